using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Runtime;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// Receives a user's realtime events. The Api registers one per user it serves and pushes the events to that
/// user's connections.
/// </summary>
public interface IUserObserver : IGrainObserver
{
    /// <summary>A message to or from the user was stored.</summary>
    ValueTask OnMessageSentAsync(MessageSent message);

    /// <summary>A roster entry of the user changed (new message, read, delivered).</summary>
    ValueTask OnConversationChangedAsync(ConversationChanged change);

    /// <summary>The counterparty read messages the user sent.</summary>
    ValueTask OnMessageReadAsync(MessageRead read);

    /// <summary>A session of the user ended: connections of that session must close.</summary>
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
