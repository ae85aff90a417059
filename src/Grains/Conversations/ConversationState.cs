using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// Persisted state of a 1-1 conversation grain: small on purpose. The messages live in the message log; unread
/// counts are derived from the log and the read cursors when the grain activates.
/// </summary>
public sealed class ConversationState
{
    /// <summary>The sortNumber of the last message this state knows of (the log may be ahead after a crash).</summary>
    public long LastSortNumber { get; set; }

    public Message? LastMessage { get; set; }

    /// <summary>Grows on every change pushed to the members' rosters.</summary>
    public long Revision { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Per-member cursors, by user id.</summary>
    public Dictionary<string, ConversationMemberState> Members { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>How far one member has received and read.</summary>
public sealed class ConversationMemberState
{
    public long ReadSortNumber { get; set; }

    public long DeliveredSortNumber { get; set; }
}
