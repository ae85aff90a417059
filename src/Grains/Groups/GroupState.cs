using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// Persisted state of a group grain: settings, and every user who ever was a member with their role, permissions,
/// window and cursors. The messages (and the unread counts) live in the message log. A membership change is written
/// here first with its timeline entry (<see cref="PendingMembership"/>) and then appended to the log, so a crash
/// between the two is finished by the next activation instead of leaving a member the timeline does not show.
/// </summary>
[GenerateSerializer, Alias("chat.GroupState")]
public sealed class GroupState
{
    [Id(0)]
    public bool Created { get; set; }

    [Id(1)]
    public GroupType Type { get; set; }

    [Id(2)]
    public string Name { get; set; } = "";

    [Id(3)]
    public string? Description { get; set; }

    [Id(4)]
    public string? AvatarUrl { get; set; }

    [Id(5)]
    public bool ReplayHistory { get; set; }

    [Id(6)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Grows with every write; a view's revision is this plus the last sortNumber (as in a 1-1 conversation).</summary>
    [Id(7)]
    public long Revision { get; set; }

    /// <summary>Current and former members by user id.</summary>
    [Id(8)]
    public Dictionary<string, GroupMemberState> Members { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The last membership change, until the log is known to hold it.</summary>
    [Id(9)]
    public Message? PendingMembership { get; set; }

    /// <summary>Gives each new member a place in line, for handing over ownership to the longest-standing.</summary>
    [Id(10)]
    public long NextMemberOrder { get; set; }

    /// <summary>
    /// Messages go once to the Api hosts instead of to every member's user grain (see
    /// <see cref="GroupLimits.BroadcastAbove"/>); set and cleared by the membership change that crosses the limit.
    /// </summary>
    [Id(11)]
    public bool Broadcast { get; set; }

    /// <summary>The app's own data about the group (see <c>Validate.Metadata</c>).</summary>
    [Id(12)]
    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The pinned messages' sortNumbers, most recently pinned first (the messages say who pinned them, and when).</summary>
    [Id(13)]
    public List<long> Pins { get; set; } = [];

    /// <summary>Messages that go by themselves (a time to live, deleted on read) and are not gone yet.</summary>
    [Id(14)]
    public List<PendingRemoval> PendingRemovals { get; set; } = [];
}

/// <summary>One user's membership: role and permissions while a member, the window they see, and their cursors.</summary>
[GenerateSerializer, Alias("chat.GroupMemberState")]
public sealed class GroupMemberState : IReadPosition
{
    [Id(0)]
    public GroupRole Role { get; set; }

    [Id(1)]
    public GroupPermissions Permissions { get; set; } = new();

    /// <summary>The sortNumber of the membership change that made them a member (their first visible one without replayHistory).</summary>
    [Id(2)]
    public long JoinedSortNumber { get; set; }

    /// <summary>The sortNumber of the change that ended their membership (their last visible one); 0 while a member.</summary>
    [Id(3)]
    public long LeftSortNumber { get; set; }

    [Id(4)]
    public long ReadSortNumber { get; set; }

    [Id(5)]
    public long DeliveredSortNumber { get; set; }

    [Id(6)]
    public long Order { get; set; }

    [Id(7)]
    public long UnreadFromSortNumber { get; set; }

    [Id(8)]
    public long ClearedSortNumber { get; set; }

    /// <summary>The unread messages that mention this member (read ones are forgotten).</summary>
    [Id(9)]
    public List<long> Mentions { get; set; } = [];

    /// <summary>The last reply read, by thread (the parent's sortNumber).</summary>
    [Id(10)]
    public Dictionary<long, long> ThreadReads { get; set; } = [];

    public bool IsMember => LeftSortNumber == 0;
}
