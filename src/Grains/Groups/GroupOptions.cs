namespace Orleans.Chat.Grains.Groups;

/// <summary>Settings of groups, from the configuration section <c>Silo:Groups</c>.</summary>
public sealed class GroupOptions
{
    /// <summary>
    /// How long a group that just became a broadcast group, or activated as one, keeps sending each message to every
    /// member's user grain before it sends only to the API hosts. The hosts subscribe once their members' rosters hear
    /// of the change, and after a silo failure with their next renewal (1, 4 and 10 s after it): a message broadcast
    /// before then would miss those devices. Meanwhile nothing is broadcast, so no device gets a message twice.
    /// </summary>
    public TimeSpan BroadcastGrace { get; set; } = TimeSpan.FromSeconds(12);
}
