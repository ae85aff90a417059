using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A 1-1 conversation in one organization, keyed by <see cref="ConversationKey.ToGrainKey"/>: a message goes from one
/// member to the other.
/// </summary>
[Alias("chat.IConversationGrain")]
public interface IConversationGrain : IChatConversation
{
}

/// <summary>Send <see cref="Body"/> as <see cref="SenderId"/>; <see cref="OriginSessionId"/> is the sending device's session.</summary>
[GenerateSerializer, Immutable, Alias("chat.SendMessageCommand")]
public sealed record SendMessageCommand(
    [Id(0)] string SenderId,
    [Id(1)] string Body,
    [Id(2)] string ClientMessageId,
    [Id(3)] string? OriginSessionId = null,
    [Id(4)] MessagePriority Priority = MessagePriority.Normal,
    [Id(5)] IReadOnlyList<MessageMetadata>? Metadata = null,
    [Id(6)] bool Silent = false);

/// <summary>The stored message; <see cref="Created"/> is false when the send was a retry of an earlier one.</summary>
[GenerateSerializer, Immutable, Alias("chat.SendMessageResult")]
public sealed record SendMessageResult([Id(0)] Message Message, [Id(1)] bool Created);
