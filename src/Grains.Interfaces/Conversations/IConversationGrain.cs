using Orleans.Chat.Grains.Messages;
using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A 1-1 conversation in one organization, keyed by <see cref="ConversationKey.ToGrainKey"/>. It orders messages,
/// stores them durably in the message log and keeps both members' cursors and unread counts.
/// </summary>
[Alias("chat.IConversationGrain")]
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
[GenerateSerializer, Immutable, Alias("chat.SendMessageCommand")]
public sealed record SendMessageCommand(
    [Id(0)] string SenderId,
    [Id(1)] string Body,
    [Id(2)] string ClientMessageId,
    [Id(3)] string? OriginSessionId = null);

/// <summary>The stored message; <see cref="Created"/> is false when the send was a retry of an earlier one.</summary>
[GenerateSerializer, Immutable, Alias("chat.SendMessageResult")]
public sealed record SendMessageResult([Id(0)] Message Message, [Id(1)] bool Created);
