using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// The events the server pushes to hub clients; the wire names are the <see cref="HubMethodNameAttribute"/> values.
/// Events of a change on the user's feed carry its cursor as their second argument (see <see cref="FeedCursor"/>): a
/// device keeps the last cursor it got, and gives it back when it reconnects (<c>/hubs/chat?cursor=</c>) to get what it
/// missed. The cursor is null on events that are not on the feed (a broadcast group's messages, which a reconnecting
/// device reads from history once its feed says the group changed).
/// </summary>
public interface IChatClient
{
    /// <summary><c>message</c>: a message to me, or one I sent from another device.</summary>
    [HubMethodName("message")]
    Task Message(Message message, long? cursor);

    /// <summary><c>conversation:change</c>: one of my roster entries changed, with my organization's unread totals.</summary>
    [HubMethodName("conversation:change")]
    Task ConversationChange(ConversationChanged change, long? cursor);

    /// <summary>
    /// <c>group:membership:change</c>: members were added to or removed from one of my groups, or joined or left it.
    /// The change is a message of the group's timeline too, so it also comes as <c>message</c>, in order.
    /// </summary>
    [HubMethodName("group:membership:change")]
    Task GroupMembershipChange(Message message, long? cursor);

    /// <summary><c>message:read</c>: another member read messages up to a sortNumber.</summary>
    [HubMethodName("message:read")]
    Task MessageRead(MessageRead read, long? cursor);

    /// <summary><c>message:custom</c>: a message that is not stored, from a member of one of my conversations (or my other device).</summary>
    [HubMethodName("message:custom")]
    Task CustomMessage(CustomMessage message);

    /// <summary><c>message:delivered</c>: another member's devices have every message up to a sortNumber.</summary>
    [HubMethodName("message:delivered")]
    Task MessageDelivered(MessageDelivered delivered, long? cursor);

    /// <summary><c>typing:change</c>: another member of one of my conversations started or stopped typing (or stopped by itself).</summary>
    [HubMethodName("typing:change")]
    Task TypingChange(TypingChanged change);

    /// <summary><c>user:updated</c>: my profile changed on another device, or a user I am subscribed to changed theirs.</summary>
    [HubMethodName("user:updated")]
    Task UserUpdated(UserProfile profile, long? cursor);

    /// <summary><c>presence:change</c>: a user I am subscribed to changed presence (merged when they flap).</summary>
    [HubMethodName("presence:change")]
    Task PresenceChange(UserPresence presence);

    /// <summary><c>user:subscribed</c>: I subscribed to a user (on any device), or a user subscribed to me.</summary>
    [HubMethodName("user:subscribed")]
    Task UserSubscribed(SubscriptionChanged change, long? cursor);

    /// <summary><c>user:unsubscribed</c>: such a subscription ended.</summary>
    [HubMethodName("user:unsubscribed")]
    Task UserUnsubscribed(SubscriptionChanged change, long? cursor);

    /// <summary><c>message:updated</c>: a message was edited, pinned or unpinned, or got or lost a reaction.</summary>
    [HubMethodName("message:updated")]
    Task MessageUpdated(MessageChange change, long? cursor);

    /// <summary><c>message:recalled</c>: a message was recalled for everyone; it comes as its tombstone.</summary>
    [HubMethodName("message:recalled")]
    Task MessageRecalled(MessageChange change, long? cursor);

    /// <summary><c>message:deleted</c>: I deleted a message for myself (on another device).</summary>
    [HubMethodName("message:deleted")]
    Task MessageDeleted(MessageChange change, long? cursor);

    // Contacts: every device of both users gets each change, with its own side ({userId, contactId, kind, state, actorId, at}).

    /// <summary><c>contact:requested</c>: I asked a user to be my contact, or a user asked me.</summary>
    [HubMethodName("contact:requested")]
    Task ContactRequested(ContactChanged change, long? cursor);

    /// <summary><c>contact:confirmed</c>: a request was accepted (by either side; a request crossing theirs accepts it too).</summary>
    [HubMethodName("contact:confirmed")]
    Task ContactConfirmed(ContactChanged change, long? cursor);

    /// <summary><c>contact:rejected</c>: a request was refused by the one asked.</summary>
    [HubMethodName("contact:rejected")]
    Task ContactRejected(ContactChanged change, long? cursor);

    /// <summary><c>contact:removed</c>: a contact was ended, or a request cancelled by the one who made it.</summary>
    [HubMethodName("contact:removed")]
    Task ContactRemoved(ContactChanged change, long? cursor);

    /// <summary>
    /// <c>token:aboutToExpire</c>: this connection's access token expires at <c>expiresAt</c> (<c>Realtime:TokenExpiryWarning</c>
    /// before): refresh it and give the new one to the hub method <c>RefreshToken</c>, or the server closes the connection then.
    /// </summary>
    [HubMethodName("token:aboutToExpire")]
    Task TokenAboutToExpire(TokenExpiry expiry);

    /// <summary>
    /// <c>messages:offline:stop</c>: the changes this connection missed before it connected (after the cursor it gave)
    /// were all sent; live events follow. With <c>snapshotRequired</c> they could not be replayed (too many, or the feed
    /// was reset): read the conversations anew. Either way <c>cursor</c> is where the device stands now.
    /// </summary>
    [HubMethodName("messages:offline:stop")]
    Task OfflineStop(OfflineStop stop);
}
