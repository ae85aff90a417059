namespace Orleans.Chat.Grains.Users;

/// <summary>The user feed's settings (<c>Silo:Feed</c>).</summary>
public sealed class FeedOptions
{
    /// <summary>
    /// The most changes a device may be behind and still have them replayed; further behind, it takes a snapshot (its
    /// conversations anew). A day offline in a busy organization is a few thousand changes.
    /// </summary>
    public int MaxReplay { get; set; } = 20_000;
}
