namespace Orleans.Chat.Grains.Users;

/// <summary>
/// My feed: every change my devices hear of through my grain, each at the next place of one per-user sequence, stored
/// before any device hears of it (see <see cref="FeedChange"/>, <see cref="FeedEntry"/> and <see cref="FeedCursor"/>).
/// </summary>
public partial interface IUserGrain
{
    /// <summary>
    /// Up to <paramref name="limit"/> (1..1,000) feed entries after <paramref name="afterSequence"/>, oldest first, with the
    /// current roster entries of the conversations they name. Brings my broadcast groups' entries up to date first (their
    /// messages do not pass through my grain), so a change of one since it was last fed is on the feed. Says
    /// <see cref="FeedPage.SnapshotRequired"/> instead when more than the server replays (<c>Silo:Feed:MaxReplay</c>)
    /// lies after the sequence, the feed was reset after it, or it is past the feed's end.
    /// </summary>
    ValueTask<FeedPage> ReadFeedAsync(long afterSequence, int limit);
}
