using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Persistence;
using Orleans.Storage;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// My feed (see <see cref="IUserGrain.ReadFeedAsync"/>): each change my devices hear of through this grain is appended
/// to my log <c>{userId}#feed</c> (an <see cref="IMessageLog"/>, so sequences are gap-free and a stale activation's
/// append is refused) and only then passed to the Api hosts with its sequence, so no device ever holds a cursor the
/// store lacks. Appends run beside the grain's calls, not in them: a change waits for the store, the grain does not.
/// Changes that arrive while an append is in flight go together in the next commit, in order.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>The most changes one feed read returns.</summary>
    internal const int MaxFeedPage = 1000;

    /// <summary>How long a failed feed append waits before it is tried again, growing to the last value.</summary>
    private static readonly TimeSpan[] FeedRetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    /// <summary>Stands in the queue for a <see cref="FeedEntry.Reset"/> entry, which no device is told of live.</summary>
    private static readonly FeedChange ResetMarker = new(0);

    /// <summary>Changes not yet stored, in order; a change leaves the queue once stored and passed on.</summary>
    private readonly Queue<FeedChange> _feedQueue = new();

    /// <summary>The feed's last stored sequence; null until read from the log.</summary>
    private long? _feedLast;

    /// <summary>The loop that stores and passes on <see cref="_feedQueue"/>; completed while the queue is empty.</summary>
    private Task _feeding = Task.CompletedTask;

    /// <summary>When the broadcast groups were last brought up to date for a feed read.</summary>
    private DateTimeOffset _broadcastsRefreshedAt;

    private string FeedLogId => this.GetPrimaryKeyString() + "#feed";

    public async ValueTask<FeedPage> ReadFeedAsync(long afterSequence, int limit)
    {
        EnsureCreated();
        if (afterSequence < 0)
        {
            throw new InvalidArgumentException("'since' must not be negative.", "since");
        }

        if (limit is < 1 or > MaxFeedPage)
        {
            throw new InvalidArgumentException($"'limit' must be between 1 and {MaxFeedPage}.", "limit");
        }

        await RebuildFinishedAsync();
        await RefreshBroadcastsForFeedAsync();
        await FeedStoredAsync();
        var last = await FeedLastAsync();
        if (afterSequence > last || last - afterSequence > feedOptions.Value.MaxReplay)
        {
            return new FeedPage([], [], last, HasMore: false, SnapshotRequired: true);
        }

        var entries = (await messageLog.ReadAsync(FeedLogId, afterSequence, LogDirection.Forward, limit))
            .Select(e => JsonSerializer.Deserialize(e.Payload, FeedJsonContext.Default.FeedEntry)!)
            .ToList();
        if (entries.Any(e => e.Reset))
        {
            return new FeedPage([], [], last, HasMore: false, SnapshotRequired: true);
        }

        var conversations = entries
            .Select(e => e.ConversationId)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Where(_conversations.ContainsKey)
            .Select(id => new ConversationChanged(_conversations[id], _unread.For(_conversations[id].OrganizationId)))
            .ToList();
        var hasMore = entries.Count > 0 && entries[^1].Sequence < last;
        return new FeedPage(entries, conversations, last, hasMore);
    }

    /// <summary>Puts a change on my feed: stored, then passed to my devices with its sequence (see the class remarks).</summary>
    private void Feed(FeedChange change)
    {
        _feedQueue.Enqueue(change);
        if (_feeding.IsCompleted)
        {
            _feeding = StoreFeedAsync();
        }
    }

    /// <summary>The feed's last stored place, read from the log once per activation (not on activation: a user must answer while the store is slow).</summary>
    private async ValueTask<long> FeedLastAsync()
    {
        if (_feedLast is null)
        {
            var stored = await messageLog.GetLastSequenceAsync(FeedLogId);
            _feedLast ??= stored; // Another turn may have read it meanwhile and fed past it.
        }

        return _feedLast.Value;
    }

    /// <summary>Waits until every change put on the feed so far is stored (a failed append is retried until it is).</summary>
    private async Task FeedStoredAsync()
    {
        while (!_feeding.IsCompleted)
        {
            await _feeding;
        }
    }

    /// <summary>
    /// Stores the queued changes, all in flight at once so that group commit puts them in one transaction, then passes
    /// each on in order. A failed append is tried again after a pause, with the changes after it; the sequence is read
    /// again first, in case another activation of this user appended (the log refuses a taken sequence).
    /// </summary>
    private async Task StoreFeedAsync()
    {
        var failures = 0;
        while (_feedQueue.Count > 0)
        {
            var batch = _feedQueue.ToArray();
            var stored = 0;
            try
            {
                var first = await FeedLastAsync() + 1;
                var appends = batch.Select((change, i) => messageLog.AppendAsync(ToLogEntry(change, first + i)).AsTask()).ToArray();
                try
                {
                    await Task.WhenAll(appends);
                }
                finally
                {
                    // A gap-free log refuses every append after a failed one: those that succeeded are the first ones.
                    stored = appends.TakeWhile(a => a.IsCompletedSuccessfully).Count();
                    for (var i = 0; i < stored; i++)
                    {
                        var change = _feedQueue.Dequeue();
                        _feedLast = first + i;
                        if (!ReferenceEquals(change, ResetMarker))
                        {
                            var fed = change with { Sequence = first + i };
                            await NotifyAsync(o => o.OnFeedChangeAsync(fed));
                        }
                    }
                }

                failures = 0;
            }
            catch (Exception exception)
            {
                LogFeedAppendFailed(logger, exception, this.GetPrimaryKeyString(), failures + 1);
                _feedLast = null;
                await Task.Delay(FeedRetryDelays[Math.Min(failures++, FeedRetryDelays.Length - 1)], timeProvider);
            }
        }
    }

    /// <summary>
    /// The previous activation ended without storing all it had (see <see cref="UserState.RosterMayBeStale"/>): some of its
    /// changes may have been applied and never fed. A reset entry tells devices whose cursor is older to take a snapshot.
    /// </summary>
    private void FeedReset() => Feed(ResetMarker);

    private LogEntry ToLogEntry(FeedChange change, long sequence)
    {
        var entry = ReferenceEquals(change, ResetMarker) ? new FeedEntry(sequence, Reset: true) : FeedEntry.Of(change, sequence);
        return new(FeedLogId, sequence, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), null, this.GetPrimaryKeyString(),
            timeProvider.GetUtcNow(), JsonSerializer.Serialize(entry, FeedJsonContext.Default.FeedEntry), Counted: false);
    }

    /// <summary>
    /// Brings my broadcast groups' entries up to date (each change is fed), at most once a second: a reconnecting device
    /// reads its feed a page at a time, and one refresh asks every broadcast group I am in.
    /// </summary>
    private async Task RefreshBroadcastsForFeedAsync()
    {
        var now = timeProvider.GetUtcNow();
        if (now - _broadcastsRefreshedAt < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _broadcastsRefreshedAt = now;
        await RefreshBroadcastGroupsAsync(organizationId: null);
    }

    [LoggerMessage(EventId = 2040, Level = LogLevel.Warning, Message = "User {UserId} could not store its feed (attempt {Attempt}); its devices hear of the changes once they are stored")]
    private static partial void LogFeedAppendFailed(ILogger logger, Exception exception, string userId, int attempt);
}
