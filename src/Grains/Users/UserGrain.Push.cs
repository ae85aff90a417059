using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Push;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// Push tokens, one per session (<see cref="UserSessionState.Push"/>), and the pushes of my new messages: while none of
/// my devices is connected, each message that <see cref="ShouldPush"/> allows becomes one push per token, handed to the
/// silo's <see cref="PushDispatcher"/>, which sends and retries away from this grain's turns.
/// </summary>
public sealed partial class UserGrain
{
    private PushDispatcher? _pushDispatcher;

    public async ValueTask<PushTokenInfo> RegisterPushTokenAsync(string sessionId, PushTokenRegistration registration)
    {
        var valid = Validate.PushToken(registration);
        var session = SessionOf(sessionId);
        session.Push = new PushTokenState
        {
            Provider = valid.Provider!.Value,
            Token = valid.Token!,
            P256dh = valid.Keys?.P256dh,
            Auth = valid.Keys?.Auth,
            RegisteredAt = timeProvider.GetUtcNow(),
        };
        await WriteStateAsync();
        return ToPushTokenInfo(sessionId, session.Push, current: true);
    }

    public async ValueTask<bool> UnregisterPushTokenAsync(string sessionId)
    {
        var session = SessionOf(sessionId);
        if (session.Push is null)
        {
            return false;
        }

        session.Push = null;
        await WriteStateAsync();
        return true;
    }

    public ValueTask<IReadOnlyList<PushTokenInfo>> GetPushTokensAsync(string currentSessionId) =>
        ValueTask.FromResult<IReadOnlyList<PushTokenInfo>>(
        [
            .. S.Sessions.Where(s => s.Value.Push is not null).OrderBy(s => s.Value.CreatedAt)
                .Select(s => ToPushTokenInfo(s.Key, s.Value.Push!, string.Equals(s.Key, currentSessionId, StringComparison.Ordinal))),
        ]);

    public async ValueTask<bool> DropPushTokenAsync(string sessionId, string token)
    {
        if (sessionId is null || !S.Sessions.TryGetValue(sessionId, out var session)
            || !string.Equals(session.Push?.Token, token, StringComparison.Ordinal))
        {
            return false;
        }

        session.Push = null;
        await WriteStateAsync();
        return true;
    }

    /// <summary>
    /// Hands one push per registered device to the dispatcher when a new message of a conversation of mine should raise
    /// one and no device of mine is connected (a connected device gets the <c>message</c> event). Never waits: the
    /// dispatcher queues them. <paramref name="sent"/> is what the roster passes on to my devices: null unless a new
    /// message from a user I receive from (not silenced); <paramref name="view"/> is my entry as held, after it.
    /// </summary>
    private void QueuePushes(MessageSent? sent, ConversationView view)
    {
        var now = timeProvider.GetUtcNow();
        if (sent?.Message is not { } message || view.Broadcast || HasConnectedDevice(now)
            || !ShouldPush(view, message, this.GetPrimaryKeyString(), now))
        {
            return;
        }

        var devices = S.Sessions.Where(s => s.Value.Push is not null).ToList();
        if (devices.Count == 0)
        {
            return;
        }

        var userId = this.GetPrimaryKeyString();
        var senderName = view.Kind == ConversationKind.Direct ? view.Name : null;
        var body = Preview(message.Body);
        var badge = _unread.For(view.OrganizationId).UnreadCount;
        _pushDispatcher ??= ServiceProvider.GetRequiredService<PushDispatcher>();
        foreach (var (sessionId, session) in devices)
        {
            var push = session.Push!;
            var keys = push.Provider == PushProvider.Webpush ? new WebPushKeys(push.P256dh, push.Auth) : null;
            _pushDispatcher.Enqueue(new PushNotification(
                userId, sessionId, push.Provider, push.Token, keys, view.Id, view.OrganizationId, message.Id, message.SortNumber,
                message.SenderId, senderName, view.Name, body, badge, message.CreatedAt));
        }
    }

    /// <summary>Whether some Api host reported a connection of mine and renewed its report within the device lease.</summary>
    private bool HasConnectedDevice(DateTimeOffset now)
    {
        var lapsed = now - presenceOptions.Value.DeviceLease;
        return _hosts.Values.Any(h => h.RenewedAt > lapsed && h.Devices.Connections > 0);
    }

    /// <summary>The body cut to <see cref="PushNotification.MaxBodyLength"/> characters, not inside a surrogate pair; null when empty.</summary>
    private static string? Preview(string body)
    {
        if (body.Length <= PushNotification.MaxBodyLength)
        {
            return body.Length == 0 ? null : body;
        }

        var length = PushNotification.MaxBodyLength;
        return body[..(char.IsHighSurrogate(body[length - 1]) ? length - 1 : length)];
    }

    private UserSessionState SessionOf(string sessionId) =>
        S.Created && sessionId is not null && S.Sessions.TryGetValue(sessionId, out var session)
            ? session
            : throw new UnauthenticatedException("The session has ended. Sign in again.", AuthFailureReasons.Revoked);

    private static PushTokenInfo ToPushTokenInfo(string sessionId, PushTokenState push, bool current) =>
        new(sessionId, push.Provider, push.Token, push.RegisteredAt, current);
}
