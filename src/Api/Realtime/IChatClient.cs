using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>The events the server pushes to hub clients; the wire names are the <see cref="HubMethodNameAttribute"/> values.</summary>
public interface IChatClient
{
    /// <summary><c>message</c>: a message to me, or one I sent from another device.</summary>
    [HubMethodName("message")]
    Task Message(Message message);

    /// <summary><c>conversation:change</c>: one of my roster entries changed, with my organization's unread totals.</summary>
    [HubMethodName("conversation:change")]
    Task ConversationChange(ConversationChanged change);

    /// <summary>
    /// <c>group:membership:change</c>: members were added to or removed from one of my groups, or joined or left it.
    /// The change is a message of the group's timeline too, so it also comes as <c>message</c>, in order.
    /// </summary>
    [HubMethodName("group:membership:change")]
    Task GroupMembershipChange(Message message);

    /// <summary><c>message:read</c>: another member read messages up to a sortNumber.</summary>
    [HubMethodName("message:read")]
    Task MessageRead(MessageRead read);

    /// <summary><c>message:custom</c>: a message that is not stored, from a member of one of my conversations (or my other device).</summary>
    [HubMethodName("message:custom")]
    Task CustomMessage(CustomMessage message);

    /// <summary><c>message:delivered</c>: another member's devices have every message up to a sortNumber.</summary>
    [HubMethodName("message:delivered")]
    Task MessageDelivered(MessageDelivered delivered);

    /// <summary><c>typing:change</c>: another member of one of my conversations started or stopped typing (or stopped by itself).</summary>
    [HubMethodName("typing:change")]
    Task TypingChange(TypingChanged change);

    /// <summary><c>user:updated</c>: my profile changed on another device, or a user I am subscribed to changed theirs.</summary>
    [HubMethodName("user:updated")]
    Task UserUpdated(UserProfile profile);

    /// <summary><c>presence:change</c>: a user I am subscribed to changed presence (merged when they flap).</summary>
    [HubMethodName("presence:change")]
    Task PresenceChange(UserPresence presence);

    /// <summary><c>user:subscribed</c>: I subscribed to a user (on any device), or a user subscribed to me.</summary>
    [HubMethodName("user:subscribed")]
    Task UserSubscribed(SubscriptionChanged change);

    /// <summary><c>user:unsubscribed</c>: such a subscription ended.</summary>
    [HubMethodName("user:unsubscribed")]
    Task UserUnsubscribed(SubscriptionChanged change);

    /// <summary><c>message:updated</c>: a message was edited, pinned or unpinned, or got or lost a reaction.</summary>
    [HubMethodName("message:updated")]
    Task MessageUpdated(MessageChange change);

    /// <summary><c>message:recalled</c>: a message was recalled for everyone; it comes as its tombstone.</summary>
    [HubMethodName("message:recalled")]
    Task MessageRecalled(MessageChange change);

    /// <summary><c>message:deleted</c>: I deleted a message for myself (on another device).</summary>
    [HubMethodName("message:deleted")]
    Task MessageDeleted(MessageChange change);

    // Contacts: every device of both users gets each change, with its own side ({userId, contactId, kind, state, actorId, at}).

    /// <summary><c>contact:requested</c>: I asked a user to be my contact, or a user asked me.</summary>
    [HubMethodName("contact:requested")]
    Task ContactRequested(ContactChanged change);

    /// <summary><c>contact:confirmed</c>: a request was accepted (by either side; a request crossing theirs accepts it too).</summary>
    [HubMethodName("contact:confirmed")]
    Task ContactConfirmed(ContactChanged change);

    /// <summary><c>contact:rejected</c>: a request was refused by the one asked.</summary>
    [HubMethodName("contact:rejected")]
    Task ContactRejected(ContactChanged change);

    /// <summary><c>contact:removed</c>: a contact was ended, or a request cancelled by the one who made it.</summary>
    [HubMethodName("contact:removed")]
    Task ContactRemoved(ContactChanged change);

    /// <summary>
    /// <c>token:aboutToExpire</c>: this connection's access token expires at <c>expiresAt</c> (<c>Realtime:TokenExpiryWarning</c>
    /// before): refresh it and give the new one to the hub method <c>RefreshToken</c>, or the server closes the connection then.
    /// </summary>
    [HubMethodName("token:aboutToExpire")]
    Task TokenAboutToExpire(TokenExpiry expiry);
}
