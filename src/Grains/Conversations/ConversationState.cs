namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// Persisted state of a 1-1 conversation grain: the members' cursors, nothing per message. The messages, the last
/// one and the unread counts are derived from the message log when the grain activates.
/// </summary>
[GenerateSerializer, Alias("chat.ConversationState")]
public sealed class ConversationState
{
    /// <summary>
    /// Grows on every cursor move. A view's revision is this plus the last sortNumber, so a send needs no state write.
    /// (States written before that change counted sends here too, which only makes revisions larger: still monotonic.)
    /// </summary>
    [Id(0)]
    public long Revision { get; set; }

    /// <summary>Per-member cursors, by user id.</summary>
    [Id(1)]
    public Dictionary<string, ConversationMemberState> Members { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The pinned messages' sortNumbers, most recently pinned first (the messages say who pinned them, and when).</summary>
    [Id(2)]
    public List<long> Pins { get; set; } = [];

    /// <summary>Messages that go by themselves (a time to live, deleted on read) and are not gone yet.</summary>
    [Id(3)]
    public List<PendingRemoval> PendingRemovals { get; set; } = [];
}

/// <summary>How far one member has received and read.</summary>
[GenerateSerializer, Alias("chat.ConversationMemberState")]
public sealed class ConversationMemberState : IReadPosition
{
    [Id(0)]
    public long ReadSortNumber { get; set; }

    [Id(1)]
    public long DeliveredSortNumber { get; set; }

    [Id(2)]
    public long UnreadFromSortNumber { get; set; }

    [Id(3)]
    public long ClearedSortNumber { get; set; }

    /// <summary>The unread messages that mention this member (read ones are forgotten).</summary>
    [Id(4)]
    public List<long> Mentions { get; set; } = [];

    /// <summary>The last reply read, by thread (the parent's sortNumber).</summary>
    [Id(5)]
    public Dictionary<long, long> ThreadReads { get; set; } = [];
}
