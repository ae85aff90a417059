using Orleans.Chat.Grains.Messages;
using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// Receives a user's realtime events. The Api registers one per user it serves and pushes the events to that
/// user's connections. Every method is one-way: a slow or dead Api host never holds the user grain's turn, and a host
/// that stops renewing its subscription is dropped when it expires.
/// </summary>
[Alias("chat.IUserObserver")]
public interface IUserObserver : IGrainObserver
{
    /// <summary>
    /// A change on the user's feed, once it is stored: a conversation changed (with the message, receipts or message
    /// change that caused it), their profile changed (for their devices but the one that changed it) or a profile they
    /// follow did (public part), a contact or a subscription changed. One call per change, in the feed's order (Orleans
    /// does not keep separate one-way calls in order).
    /// </summary>
    [OneWay]
    ValueTask OnFeedChangeAsync(FeedChange change);

    /// <summary>A custom message for the user's devices (see <see cref="CustomMessage"/>).</summary>
    [OneWay]
    ValueTask OnCustomMessageAsync(CustomMessageSent sent);

    /// <summary>Another member of one of the user's conversations started or stopped typing (<c>typing:change</c>).</summary>
    [OneWay]
    ValueTask OnTypingChangedAsync(TypingChanged changed);

    /// <summary>A user the observed user is subscribed to changed presence (<c>presence:change</c>).</summary>
    [OneWay]
    ValueTask OnPresenceChangedAsync(UserPresence presence);

    /// <summary>The users whose messages the observed user does not receive changed (see <c>IUserGrain.GetSilencedAsync</c>).</summary>
    [OneWay]
    ValueTask OnSilencedChangedAsync(IReadOnlyList<string> silenced);

    /// <summary>A session of the user ended: connections of that session must close.</summary>
    [OneWay]
    ValueTask OnSessionRevokedAsync(SessionRevoked revoked);
}

/// <summary>How long an observer subscription lives without renewal, and how often subscribers should renew.</summary>
public static class UserObserverSubscription
{
    /// <summary>A subscription not renewed within this time is dropped.</summary>
    public static readonly TimeSpan Expiration = TimeSpan.FromMinutes(5);

    /// <summary>Subscribers renew this often (well inside <see cref="Expiration"/>, and it re-subscribes after the user grain was collected).</summary>
    public static readonly TimeSpan RenewalPeriod = TimeSpan.FromSeconds(60);
}
