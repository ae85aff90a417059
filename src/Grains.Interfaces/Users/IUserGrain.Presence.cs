using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Users;

/// <summary>Presence, last activity and subscriptions to other users' presence and profile.</summary>
public partial interface IUserGrain
{
    /// <summary>
    /// Subscribes (or renews) an Api host's observer and records that host's connections of the user (see
    /// <see cref="DevicePresence"/>); a host reports again whenever they change and with every renewal, and its report
    /// lapses unless renewed (a host that died stops counting). Returns the users whose messages this user does not
    /// receive (see <see cref="GetSilencedAsync"/>), which the host leaves out of broadcast groups' messages, and the
    /// place of the last feed change told before the observer was subscribed (the host sends the next one first).
    /// </summary>
    ValueTask<Connected> ConnectAsync(IUserObserver observer, DevicePresence devices);

    /// <summary>Sets the status I choose: <c>AVAILABLE</c> (follow my devices), <c>DND</c> or <c>UNAVAILABLE</c> (appear away).</summary>
    ValueTask<UserPresence> SetPresenceStatusAsync(PresenceStatus status);

    /// <summary>My presence as <paramref name="viewerId"/> sees it (<c>UNKNOWN</c> if I blocked them). Interleaves: it only reads.</summary>
    [AlwaysInterleave]
    ValueTask<UserPresence> GetPresenceAsync(string viewerId);

    /// <summary>
    /// Subscribes me to the presence and profile changes of up to 50 users at a time (at most 1,000 in all), each of whom
    /// must share an organization with me (the one <c>not-found</c> otherwise, nothing changed); returns their presence.
    /// </summary>
    ValueTask<IReadOnlyList<UserPresence>> SubscribeToUsersAsync(IReadOnlyList<string> userIds);

    /// <summary>Ends my subscriptions to these users, or (null) all of them.</summary>
    ValueTask UnsubscribeFromUsersAsync(IReadOnlyList<string>? userIds);

    /// <summary>The users I am subscribed to, with their presence.</summary>
    ValueTask<IReadOnlyList<UserPresence>> GetSubscriptionsAsync();

    /// <summary>
    /// Another user subscribes to me: they must share an organization with me. Returns my presence as they see it.
    /// Interleaves (writes are one at a time all the same), because two users subscribing to each other at once call
    /// each other's grain while their own waits.
    /// </summary>
    [AlwaysInterleave]
    ValueTask<UserPresence> AddSubscriberAsync(string subscriberId, IReadOnlyList<string> subscriberOrganizations);

    /// <summary>Another user's subscription to me ended. Interleaves, as <see cref="AddSubscriberAsync"/>.</summary>
    [AlwaysInterleave]
    ValueTask RemoveSubscriberAsync(string subscriberId);

    /// <summary>A user I am subscribed to changed presence: passed on to my devices as <c>presence:change</c>.</summary>
    [OneWay]
    ValueTask OnSubscribedPresenceAsync(UserPresence presence);

    /// <summary>A user I am subscribed to changed their profile (public part): passed on to my devices as <c>user:updated</c>.</summary>
    [OneWay]
    ValueTask OnSubscribedProfileAsync(UserProfile profile);
}
