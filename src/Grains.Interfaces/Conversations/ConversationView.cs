using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A conversation as one member sees it: the roster entry (<see cref="Id"/> is the conversation id). Every value is absolute (not a delta), and
/// <see cref="Revision"/> grows with every change of the conversation, so a user grain can apply the same view
/// twice, or an older one late, without harm.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.ConversationView")]
public sealed record ConversationView(
    [Id(0)] string Id,
    [Id(1)] string OrganizationId,
    [Id(2)] string CounterpartyId,
    [Id(3)] Message? LastMessage,
    [Id(4)] long LastSortNumber,
    [Id(5)] int UnreadCount,
    [Id(6)] long ReadSortNumber,
    [Id(7)] long CounterpartyReadSortNumber,
    [Id(8)] long CounterpartyDeliveredSortNumber,
    [Id(9)] DateTimeOffset UpdatedAt,
    [Id(10)] long Revision);

/// <summary>What a conversation tells one member's user grain: the new view and, optionally, the event that caused it.</summary>
[GenerateSerializer, Immutable, Alias("chat.ConversationUpdate")]
public sealed record ConversationUpdate(
    [Id(0)] string UserId,
    [Id(1)] ConversationView View,
    [Id(2)] MessageSent? Message = null,
    [Id(3)] MessageRead? Read = null);
