using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// Push tokens, one per device (session), kept with the session: a session that ends (sign-out, revoke, the oldest
/// evicted) takes its token with it. A new message for me raises one push per token while none of my devices is
/// connected (see <see cref="ShouldPushAsync"/> for which messages).
/// </summary>
public partial interface IUserGrain
{
    /// <summary>
    /// Registers the session's push token, replacing its earlier one; <c>invalid-argument</c> for a bad registration,
    /// <c>unauthenticated</c> if the session has ended.
    /// </summary>
    ValueTask<PushTokenInfo> RegisterPushTokenAsync(string sessionId, PushTokenRegistration registration);

    /// <summary>Removes the session's push token; false if it had none.</summary>
    ValueTask<bool> UnregisterPushTokenAsync(string sessionId);

    /// <summary>My devices' push tokens, oldest session first; <paramref name="currentSessionId"/> is marked current.</summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<PushTokenInfo>> GetPushTokensAsync(string currentSessionId);

    /// <summary>
    /// Drops the session's token if it is still <paramref name="token"/> (the push service called it dead; a token
    /// registered since stays). For the push dispatcher. False if nothing was dropped.
    /// </summary>
    ValueTask<bool> DropPushTokenAsync(string sessionId, string token);
}
