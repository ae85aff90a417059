using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// One hub event of a feed change: its wire name, its argument, its cursor, the session that must not get it (the
/// device that caused it, which has it as its call's result) and how to send it to a typed client.
/// </summary>
public sealed record FeedEvent(string Name, object Data, long Cursor, string? ExceptSession, Func<IChatClient, long?, Task> Send)
{
    public Task SendAsync(IChatClient client) => Send(client, Cursor);
}

/// <summary>
/// Which hub events carry a feed change, in the order of their cursors (see <see cref="FeedCursor"/>): the same for
/// live pushes, the replay after a reconnect and <c>GET /v1/sync</c>.
/// </summary>
public static class FeedEvents
{
    public static IEnumerable<FeedEvent> Of(FeedChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var sequence = change.Sequence;
        if (change.Message is { Message: var message } sent)
        {
            yield return new("message", message, FeedCursor.Of(sequence, FeedCursor.MessageSlot), sent.OriginSessionId, (c, k) => c.Message(message, k));
            if (message.Type == MessageType.GroupMembershipChange)
            {
                yield return new("group:membership:change", message, FeedCursor.Of(sequence, FeedCursor.MembershipSlot), null, (c, k) => c.GroupMembershipChange(message, k));
            }
        }

        if (change.Read is { } read)
        {
            yield return new("message:read", read, FeedCursor.Of(sequence, FeedCursor.ReadSlot), null, (c, k) => c.MessageRead(read, k));
        }

        if (change.MessageChange is { } messageChange)
        {
            yield return Of(messageChange, FeedCursor.Of(sequence, FeedCursor.MessageChangeSlot));
        }

        var delivered = change.Delivered ?? [];
        for (var i = 0; i < delivered.Count; i++)
        {
            var receipt = delivered[i];
            yield return new("message:delivered", receipt, FeedCursor.Of(sequence, FeedCursor.DeliveredSlot(i)), null, (c, k) => c.MessageDelivered(receipt, k));
        }

        var last = FeedCursor.Of(sequence, FeedCursor.LastSlot);
        if (change.Conversation is { } conversation)
        {
            yield return new("conversation:change", conversation, last, null, (c, k) => c.ConversationChange(conversation, k));
        }

        if (change.Profile is { } updated)
        {
            yield return new("user:updated", updated.Profile, last, updated.OriginSessionId, (c, k) => c.UserUpdated(updated.Profile, k));
        }

        if (change.Contact is { } contact)
        {
            yield return contact.Kind switch
            {
                ContactChangeKind.Requested => new("contact:requested", contact, last, null, (c, k) => c.ContactRequested(contact, k)),
                ContactChangeKind.Confirmed => new("contact:confirmed", contact, last, null, (c, k) => c.ContactConfirmed(contact, k)),
                ContactChangeKind.Rejected => new("contact:rejected", contact, last, null, (c, k) => c.ContactRejected(contact, k)),
                _ => new("contact:removed", contact, last, null, (c, k) => c.ContactRemoved(contact, k)),
            };
        }

        if (change.Subscription is { } subscription)
        {
            yield return subscription.Subscribed
                ? new("user:subscribed", subscription, last, null, (c, k) => c.UserSubscribed(subscription, k))
                : new("user:unsubscribed", subscription, last, null, (c, k) => c.UserUnsubscribed(subscription, k));
        }
    }

    /// <summary>The event of a change of a stored message; a broadcast group's changes come with no cursor.</summary>
    public static FeedEvent Of(MessageChange change, long cursor) => change.Kind switch
    {
        MessageChangeKind.Recalled => new("message:recalled", change, cursor, null, (c, k) => c.MessageRecalled(change, k)),
        MessageChangeKind.DeletedForMe => new("message:deleted", change, cursor, null, (c, k) => c.MessageDeleted(change, k)),
        _ => new("message:updated", change, cursor, null, (c, k) => c.MessageUpdated(change, k)),
    };
}
