using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A conversation as one member sees it: the roster entry (<see cref="Id"/> is the conversation id). Every value is absolute (not a delta), and
/// <see cref="Revision"/> grows with every change of the conversation, so a user grain can apply the same view
/// twice, or an older one late, without harm.
/// </summary>
public sealed record ConversationView(
    string Id,
    string OrganizationId,
    string CounterpartyId,
    Message? LastMessage,
    long LastSortNumber,
    int UnreadCount,
    long ReadSortNumber,
    long CounterpartyReadSortNumber,
    long CounterpartyDeliveredSortNumber,
    DateTimeOffset UpdatedAt,
    long Revision);

/// <summary>What a conversation tells one member's user grain: the new view and, optionally, the event that caused it.</summary>
public sealed record ConversationUpdate(string UserId, ConversationView View, MessageSent? Message = null, MessageRead? Read = null);
