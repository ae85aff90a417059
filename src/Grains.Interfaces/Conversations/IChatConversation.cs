using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// What every conversation does, 1-1 (<see cref="IConversationGrain"/>) or of many (<see cref="IGroupGrain"/>): it
/// orders messages into the durable message log and keeps its members' cursors and unread counts. Callers that hold
/// only a conversation id get the right grain from <see cref="ChatConversations.Get"/>.
/// </summary>
[Alias("chat.IChatConversation")]
public interface IChatConversation : IGrainWithStringKey
{
    /// <summary>
    /// Stores a message from <see cref="SendMessageCommand.SenderId"/>. A retry with the same client message id
    /// returns the stored message with <see cref="SendMessageResult.Created"/> false.
    /// </summary>
    ValueTask<SendMessageResult> SendAsync(SendMessageCommand command);

    /// <summary>Sends one of the requester's messages again (see <see cref="ResendCommand"/>); a retry returns the stored one.</summary>
    ValueTask<SendMessageResult> ResendAsync(ResendCommand command);

    /// <summary>
    /// The send that forwards a message the requester can see here into another of their conversations in the same
    /// organization: a new message of theirs that names where it first came from (<see cref="ForwardedFrom"/>). The
    /// caller sends it to the target conversation, which checks membership there; this grain never calls the target,
    /// so two conversations forwarding to each other cannot wait on each other.
    /// </summary>
    [ReadOnly]
    ValueTask<SendMessageCommand> PrepareForwardAsync(ForwardCommand command);

    /// <summary>
    /// Sends a message that is not stored to the members' devices connected now (the sender's other devices included);
    /// returns it. Nothing is counted, and a device that connects later never sees it.
    /// </summary>
    ValueTask<CustomMessage> SendCustomAsync(CustomMessageCommand command);

    /// <summary>
    /// The member starts (or renews) or stops typing: the other members' devices get <see cref="TypingChanged"/> when that
    /// changes, not for a renewal. A start not renewed within the typing timeout ends by itself. Nothing is stored.
    /// </summary>
    ValueTask SetTypingAsync(string userId, bool typing);

    /// <summary>One page of the history the requester may see.</summary>
    [ReadOnly]
    ValueTask<MessagePage> GetHistoryAsync(HistoryQuery query);

    /// <summary>The message at <paramref name="sortNumber"/> as the requester's history shows it; <c>not-found</c> if it does not.</summary>
    [ReadOnly]
    ValueTask<Message> GetMessageAsync(string requesterId, long sortNumber);

    /// <summary>
    /// Of the messages at <paramref name="sortNumbers"/> (at most 100), those the requester's history shows now, as it
    /// shows them, in the order asked: a search checks its candidates here.
    /// </summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<Message>> GetVisibleAsync(string requesterId, IReadOnlyList<long> sortNumbers);

    /// <summary>
    /// The sender changes the body (and the metadata, when given) of one of their messages; every member's devices get
    /// <c>message:updated</c>. An edit to what the message already says changes nothing. Returns the message.
    /// </summary>
    ValueTask<Message> EditAsync(EditMessageCommand command);

    /// <summary>
    /// Recalls a message for everyone (its sender; in a group, an owner or admin too): its body, metadata and attachments
    /// are erased from storage, its sortNumber stays as a tombstone, and it no longer counts as unread. Returns the tombstone.
    /// </summary>
    ValueTask<Message> RecallAsync(string requesterId, long sortNumber);

    /// <summary>Deletes a message from the requester's own history; nobody else's changes, and only their devices hear of it.</summary>
    ValueTask DeleteForMeAsync(string requesterId, long sortNumber);

    /// <summary>Pins or unpins a message for the conversation (a member who may send); returns the message.</summary>
    ValueTask<Message> SetPinnedAsync(string requesterId, long sortNumber, bool pinned);

    /// <summary>The pinned messages the requester can see, most recently pinned first.</summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<Message>> GetPinsAsync(string requesterId);

    /// <summary>Adds or removes the requester's reaction with <paramref name="emoji"/>; returns the message.</summary>
    ValueTask<Message> ReactAsync(string requesterId, long sortNumber, string emoji, bool add);

    /// <summary>The attachments of the messages the requester sees, newest first (find by conversation).</summary>
    [ReadOnly]
    ValueTask<AttachmentPage> GetAttachmentsAsync(AttachmentsQuery query);

    /// <summary>A page of a message's thread: the parent and its replies in order, with the requester's read marker.</summary>
    [ReadOnly]
    ValueTask<ThreadPage> GetThreadAsync(ThreadQuery query);

    /// <summary>Moves the requester's read marker in a thread up to the reply at <paramref name="sortNumber"/> (never back); returns the marker.</summary>
    ValueTask<long> MarkThreadReadAsync(string requesterId, long parentSortNumber, long sortNumber);

    /// <summary>The changes of messages after a change number that the requester may see, oldest first (catch-up).</summary>
    [ReadOnly]
    ValueTask<ChangePage> GetChangesAsync(ChangesQuery query);

    /// <summary>Moves the reader's read cursor up to <paramref name="sortNumber"/> (never backwards); returns the reader's view.</summary>
    ValueTask<ConversationView> MarkReadAsync(string readerId, long sortNumber);

    /// <summary>
    /// Makes the member's messages from <paramref name="sortNumber"/> on count as unread again (for them only: nobody's
    /// read receipts change); returns the member's view. Reading them again clears it.
    /// </summary>
    ValueTask<ConversationView> MarkUnreadAsync(string memberId, long sortNumber);

    /// <summary>
    /// Clears the member's history up to <paramref name="sortNumber"/> (at most the last message): those messages are
    /// gone from the member's history and unread count, and nobody else's; returns the member's view.
    /// </summary>
    ValueTask<ConversationView> ClearHistoryAsync(string memberId, long sortNumber);

    /// <summary>Moves the member's delivered cursor up to <paramref name="sortNumber"/> (never backwards); returns the member's view.</summary>
    ValueTask<ConversationView> MarkDeliveredAsync(string memberId, long sortNumber);

    /// <summary>
    /// Moves the delivered cursors of many members at once (never backwards): an Api host reports what it pushed to its
    /// members' devices, one call per conversation per moment instead of one per member per message. Marks of
    /// non-members are skipped.
    /// </summary>
    ValueTask MarkDeliveredManyAsync(IReadOnlyList<DeliveredMark> marks);

    /// <summary>
    /// Who of the other current members has read the message at <paramref name="sortNumber"/>, who has it delivered but
    /// unread, and who neither: from the cursors, O(members), for a member who can see the message.
    /// </summary>
    [ReadOnly]
    ValueTask<MessageReceipts> GetReceiptsAsync(string requesterId, long sortNumber);

    /// <summary>The conversation as <paramref name="memberId"/> sees it.</summary>
    [ReadOnly]
    ValueTask<ConversationView> GetViewAsync(string memberId);

    /// <summary>
    /// The conversation as <paramref name="memberId"/> sees it, for that member's own user grain rebuilding its roster.
    /// It interleaves with any running request and calls no other grain, so it cannot wait on the user grain.
    /// </summary>
    [AlwaysInterleave]
    ValueTask<ConversationView> GetRosterViewAsync(string memberId);
}

/// <summary>A member's devices have every message of the conversation up to <see cref="SortNumber"/>.</summary>
[GenerateSerializer, Immutable, Alias("chat.DeliveredMark")]
public sealed record DeliveredMark([Id(0)] string UserId, [Id(1)] long SortNumber);

/// <summary>The statuses per recipient of one message (its sender left out).</summary>
[GenerateSerializer, Immutable, Alias("chat.MessageReceipts")]
public sealed record MessageReceipts(
    [Id(0)] string ConversationId,
    [Id(1)] long SortNumber,
    [Id(2)] IReadOnlyList<string> ReadBy,
    [Id(3)] IReadOnlyList<string> DeliveredTo,
    [Id(4)] IReadOnlyList<string> Pending);

/// <summary>Finds the grain of a conversation id: three or four parts name a 1-1 conversation, two a group.</summary>
public static class ChatConversations
{
    public static IChatConversation Get(IGrainFactory grains, string? conversationId)
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (ConversationKey.TryParse(conversationId, out var direct))
        {
            return grains.GetGrain<IConversationGrain>(direct.ToGrainKey());
        }

        if (GroupKey.TryParse(conversationId, out var group))
        {
            return grains.GetGrain<IGroupGrain>(group.ToGrainKey());
        }

        throw new InvalidArgumentException("'conversationId' is not a conversation id.", "conversationId");
    }
}

/// <summary>Replies of the thread under <see cref="ParentSortNumber"/> after the reply <see cref="After"/> (a sortNumber), oldest first.</summary>
[GenerateSerializer, Immutable, Alias("chat.ThreadQuery")]
public sealed record ThreadQuery([Id(0)] string RequesterId, [Id(1)] long ParentSortNumber, [Id(2)] long After = 0, [Id(3)] int? Limit = null);

/// <summary>
/// A page of a thread: its parent, replies oldest first, whether more follow, and how far the requester has read it
/// (<see cref="ReadSortNumber"/>: the last reply they read, 0 for none).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.ThreadPage")]
public sealed record ThreadPage([Id(0)] Message Parent, [Id(1)] IReadOnlyList<Message> Replies, [Id(2)] bool HasMore, [Id(3)] long ReadSortNumber);
