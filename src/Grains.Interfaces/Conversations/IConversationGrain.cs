using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Runtime;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A 1-1 conversation in one organization, keyed by <see cref="ConversationKey.ToGrainKey"/>. It orders messages,
/// stores them durably in the message log and keeps both members' cursors and unread counts.
/// </summary>
public interface IConversationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Stores a message from <see cref="SendMessageCommand.SenderId"/> to the other member. A retry with the same
    /// client message id returns the stored message with <see cref="SendMessageResult.Created"/> false.
    /// </summary>
    ValueTask<SendMessageResult> SendAsync(SendMessageCommand command);

    /// <summary>One page of history, for a member of the conversation.</summary>
    [ReadOnly]
    ValueTask<MessagePage> GetHistoryAsync(HistoryQuery query);

    /// <summary>Moves the reader's read cursor up to <paramref name="sortNumber"/> (never backwards); returns the reader's view.</summary>
    ValueTask<ConversationView> MarkReadAsync(string readerId, long sortNumber);

    /// <summary>Moves the member's delivered cursor up to <paramref name="sortNumber"/> (never backwards); returns the member's view.</summary>
    ValueTask<ConversationView> MarkDeliveredAsync(string memberId, long sortNumber);

    /// <summary>The conversation as <paramref name="memberId"/> sees it.</summary>
    [ReadOnly]
    ValueTask<ConversationView> GetViewAsync(string memberId);

    /// <summary>
    /// The conversation as <paramref name="memberId"/> sees it, for that member's own user grain rebuilding its roster
    /// while it activates. It interleaves with any running request and calls no other grain, so it cannot wait on the
    /// activating user grain; and it skips the organization check, which the roster's entry passed when it was made.
    /// </summary>
    [AlwaysInterleave]
    ValueTask<ConversationView> GetRosterViewAsync(string memberId);
}

/// <summary>Send <see cref="Body"/> as <see cref="SenderId"/>; <see cref="OriginSessionId"/> is the sending device's session.</summary>
public sealed record SendMessageCommand(string SenderId, string Body, string ClientMessageId, string? OriginSessionId = null);

/// <summary>The stored message; <see cref="Created"/> is false when the send was a retry of an earlier one.</summary>
public sealed record SendMessageResult(Message Message, bool Created);
