namespace Orleans.Chat.Grains.Messages;

/// <summary>
/// A stored message. <see cref="SortNumber"/> is its position in the conversation: strictly increasing, no gaps.
/// This record is also the payload persisted in the message log, so never rename a property without a migration.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.Message")]
public sealed record Message(
    [Id(0)] string Id,
    [Id(1)] string ConversationId,
    [Id(2)] string OrganizationId,
    [Id(3)] long SortNumber,
    [Id(4)] string SenderId,
    [Id(5)] string RecipientId,
    [Id(6)] string Body,
    [Id(7)] string ClientMessageId,
    [Id(8)] DateTimeOffset CreatedAt);
