namespace Orleans.Chat.Grains.Messages;

/// <summary>
/// A message was stored in a conversation of the observed user. <see cref="OriginSessionId"/> is the sender's
/// session (device) that sent it, so that device does not get an echo of its own send; null when unknown.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.MessageSent")]
public sealed record MessageSent([Id(0)] Message Message, [Id(1)] string? OriginSessionId);

/// <summary>
/// A member of a conversation has read every message up to and including <see cref="SortNumber"/>;
/// <see cref="OrganizationId"/> is the reader's in the conversation (across organizations, they differ).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.MessageRead")]
public sealed record MessageRead(
    [Id(0)] string ConversationId,
    [Id(1)] string OrganizationId,
    [Id(2)] string ReaderId,
    [Id(3)] long SortNumber);

/// <summary>
/// The devices of a member of a conversation have every message up to and including <see cref="SortNumber"/>;
/// <see cref="OrganizationId"/> is that member's in the conversation.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.MessageDelivered")]
public sealed record MessageDelivered(
    [Id(0)] string ConversationId,
    [Id(1)] string OrganizationId,
    [Id(2)] string RecipientId,
    [Id(3)] long SortNumber);
