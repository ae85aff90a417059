using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// One change on a user's feed as their devices get it (live, or replayed after a reconnect): a change of one of their
/// conversations (the message that caused it, another member's read or delivered receipts, a change of a stored
/// message, and the new roster entry with the organization's unread totals), or of their profile, a profile they follow,
/// a contact or a subscription. <see cref="Sequence"/> is the change's place on the user's feed: 1, 2, 3, ... per user.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.FeedChange")]
public sealed record FeedChange(
    [Id(0)] long Sequence,
    [Id(1)] MessageSent? Message = null,
    [Id(2)] MessageRead? Read = null,
    [Id(3)] IReadOnlyList<MessageDelivered>? Delivered = null,
    [Id(4)] MessageChange? MessageChange = null,
    [Id(5)] ConversationChanged? Conversation = null,
    [Id(6)] ProfileUpdated? Profile = null,
    [Id(7)] ContactChanged? Contact = null,
    [Id(8)] SubscriptionChanged? Subscription = null);

/// <summary>
/// A change as the feed stores it: references instead of bodies (a message by its sortNumber, a message change by its
/// change number), so that a feed never holds a copy of a body that a recall or an expiry erased, and a message to a
/// group of 50 is not stored 50 more times. Receipts, profiles, contacts and subscriptions are small and stored as they
/// were. <see cref="Reset"/> marks where an activation found that the previous one ended without storing everything:
/// a device whose cursor is before it takes a snapshot.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.FeedEntry")]
public sealed record FeedEntry(
    [Id(0)] long Sequence,
    [Id(1)] string? ConversationId = null,
    [Id(2)] long? SortNumber = null,
    [Id(3)] string? OriginSessionId = null,
    [Id(4)] MessageRead? Read = null,
    [Id(5)] IReadOnlyList<MessageDelivered>? Delivered = null,
    [Id(6)] long? ChangeNumber = null,
    [Id(7)] ProfileUpdated? Profile = null,
    [Id(8)] ContactChanged? Contact = null,
    [Id(9)] SubscriptionChanged? Subscription = null,
    [Id(10)] bool Reset = false)
{
    /// <summary>What the feed stores of a change, at <paramref name="sequence"/>.</summary>
    public static FeedEntry Of(FeedChange change, long sequence)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new(
            sequence,
            change.Conversation?.Conversation.Id ?? change.Message?.Message.ConversationId,
            change.Message?.Message.SortNumber,
            change.Message?.OriginSessionId,
            change.Read,
            change.Delivered is { Count: > 0 } delivered ? delivered : null,
            change.MessageChange?.ChangeNumber,
            change.Profile,
            change.Contact,
            change.Subscription);
    }
}

/// <summary>
/// A page of a user's feed after a sequence, oldest first: the entries, and the current roster entry (with the
/// organization's unread totals) of every conversation they name. <see cref="Last"/> is the feed's last sequence.
/// <see cref="SnapshotRequired"/> says the changes cannot be replayed (the gap is larger than the server replays, the
/// feed was reset after a crash, or the sequence is not one of this feed): the device reads its conversations anew and
/// goes on from <see cref="Last"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.FeedPage")]
public sealed record FeedPage(
    [Id(0)] IReadOnlyList<FeedEntry> Entries,
    [Id(1)] IReadOnlyList<ConversationChanged> Conversations,
    [Id(2)] long Last,
    [Id(3)] bool HasMore,
    [Id(4)] bool SnapshotRequired = false);

/// <summary>
/// The cursor devices hold: one number per event, strictly increasing for a user. A change at feed sequence <c>s</c>
/// gives its events the cursors <c>s * 1000 + i</c>, with <c>i</c> the event's slot in the change (the message 1, a
/// membership change 2, a read receipt 3, a message change 4, delivered receipts from 10, and the change's last event,
/// the roster entry or the single event of other changes, 999), so a device that stops in the middle of a change
/// resumes after the last event it has, and <c>s * 1000 + 999</c> means "up to and including change s".
/// </summary>
public static class FeedCursor
{
    public const long PerChange = 1000;

    public const int MessageSlot = 1;

    public const int MembershipSlot = 2;

    public const int ReadSlot = 3;

    public const int MessageChangeSlot = 4;

    public const int FirstDeliveredSlot = 10;

    public const int LastSlot = 999;

    public static long Of(long sequence, int slot) => (sequence * PerChange) + slot;

    /// <summary>The cursor after every event of the change at <paramref name="sequence"/> (0: before the first change).</summary>
    public static long After(long sequence) => sequence == 0 ? 0 : Of(sequence, LastSlot);

    public static long SequenceOf(long cursor) => cursor / PerChange;

    /// <summary>The delivered receipt's slot; receipts past the slots left share the last one before the entry.</summary>
    public static int DeliveredSlot(int index) => Math.Min(FirstDeliveredSlot + index, LastSlot - 1);
}
