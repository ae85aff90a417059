namespace Orleans.Chat.Grains.Messages;

/// <summary>
/// A stored message. <see cref="SortNumber"/> is its position in the conversation: strictly increasing, no gaps.
/// This record is also the payload persisted in the message log, so never rename a property without a migration.
/// </summary>
public sealed record Message(
    string Id,
    string ConversationId,
    string OrganizationId,
    long SortNumber,
    string SenderId,
    string RecipientId,
    string Body,
    string ClientMessageId,
    DateTimeOffset CreatedAt);
