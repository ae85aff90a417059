using System.Text.Json.Serialization;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A conversation as one member sees it: the roster entry (<see cref="Id"/> is the conversation id). Every value is absolute (not a delta), and
/// <see cref="Revision"/> grows with every change of the conversation, so a user grain can apply the same view
/// twice, or an older one late, without harm. In a 1-1 conversation <see cref="Name"/> is the other member's display
/// name (taken when the conversation verifies its members, once per activation). <see cref="PriorityUnreadCount"/>
/// counts the unread messages of <see cref="MessagePriority.High"/> priority, which are in <see cref="UnreadCount"/> too.
/// <see cref="LastChangeNumber"/> is the number of the conversation's last message change (edit, recall, reaction, ...):
/// a device that saw an older one asks for the changes after it. <see cref="MentionUnreadCount"/> counts the unread
/// messages that mention the member. <see cref="OrganizationId"/> is where the member lists and counts it: in a 1-1
/// conversation across organizations, each member's own. <see cref="MutedUntil"/> and <see cref="NotificationLevel"/>
/// are the member's own settings, kept by their user grain (a conversation's view always has the defaults): muted until
/// then (null: not muted), and which of its messages may raise a push.
/// <para>
/// In a group (<see cref="Kind"/> <see cref="ConversationKind.Group"/>), <see cref="CounterpartyId"/> is null,
/// <see cref="Name"/> is the group's, the counterparty cursors are the lowest among the other members (everyone has
/// read up to there), and <see cref="IsMember"/> turns false once the member leaves or is removed: the entry stays,
/// frozen at what they could see. A group with <see cref="Broadcast"/> set has too many members to update each one's
/// roster on every message: its messages go once to every Api host that serves a member, and this entry's last message
/// and unread count are refreshed when the roster is read (<c>GET .../conversations</c>, <c>GET .../unread</c>).
/// </para>
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.ConversationView")]
public sealed record ConversationView(
    [Id(0)] string Id,
    [Id(1)] string OrganizationId,
    [Id(2)] string? CounterpartyId,
    [Id(3)] Message? LastMessage,
    [Id(4)] long LastSortNumber,
    [Id(5)] int UnreadCount,
    [Id(6)] long ReadSortNumber,
    [Id(7)] long CounterpartyReadSortNumber,
    [Id(8)] long CounterpartyDeliveredSortNumber,
    [Id(9)] DateTimeOffset UpdatedAt,
    [Id(10)] long Revision,
    [Id(11)] ConversationKind Kind = ConversationKind.Direct,
    [Id(12)] string? Name = null,
    [Id(13)] bool IsMember = true,
    [Id(14)] bool Broadcast = false,
    [Id(15)] int PriorityUnreadCount = 0,
    [Id(16)] long LastChangeNumber = 0,
    [Id(17)] int MentionUnreadCount = 0,
    [Id(18)] DateTimeOffset? MutedUntil = null,
    [Id(19)] NotificationLevel NotificationLevel = NotificationLevel.All);

[GenerateSerializer, Alias("chat.ConversationKind")]
public enum ConversationKind
{
    /// <summary>1-1.</summary>
    [JsonStringEnumMemberName("direct")]
    Direct,

    /// <summary>A group or forum.</summary>
    [JsonStringEnumMemberName("group")]
    Group,
}

/// <summary>Which messages of a conversation may raise a push for a member (their setting, per conversation).</summary>
[GenerateSerializer, Alias("chat.NotificationLevel")]
public enum NotificationLevel
{
    /// <summary>Every message (the default).</summary>
    [JsonStringEnumMemberName("all")]
    All,

    /// <summary>Only messages that mention the member.</summary>
    [JsonStringEnumMemberName("mentions")]
    Mentions,

    /// <summary>None.</summary>
    [JsonStringEnumMemberName("none")]
    None,
}

/// <summary>
/// What a conversation tells one member's user grain: the new view and, optionally, the events that caused it (a
/// message, another member's read receipt, other members' delivered receipts, a change of a message).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.ConversationUpdate")]
public sealed record ConversationUpdate(
    [Id(0)] string UserId,
    [Id(1)] ConversationView View,
    [Id(2)] MessageSent? Message = null,
    [Id(3)] MessageRead? Read = null,
    [Id(4)] IReadOnlyList<MessageDelivered>? Delivered = null,
    [Id(5)] MessageChange? MessageChange = null);
