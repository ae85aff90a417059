using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// The live events of a connection whose missed changes are being replayed: held, then sent after the replay but for
/// those the replay already sent. A change stored during the replay can be both read and told live, and told live
/// after the replay is over (one-way calls come when they come), so the replay's end stays the connection's floor.
/// </summary>
public sealed class ReplayBuffer
{
    private readonly Lock _lock = new();
    private List<FeedEvent>? _held = [];
    private long _replayedUpTo;

    /// <summary>Whether to send a live event now: not while the replay runs (it is held), nor if the replay sent it.</summary>
    public bool Offer(FeedEvent feedEvent)
    {
        lock (_lock)
        {
            _held?.Add(feedEvent);
            return _held is null && feedEvent.Cursor > _replayedUpTo;
        }
    }

    /// <summary>
    /// The events held so far; null once none are left, and from then on the connection is live, above
    /// <paramref name="replayedUpTo"/> (the cursor the replay ended at).
    /// </summary>
    public List<FeedEvent>? TakeOrGoLive(long replayedUpTo)
    {
        lock (_lock)
        {
            if (_held is not { Count: > 0 } held)
            {
                _held = null;
                _replayedUpTo = replayedUpTo;
                return null;
            }

            _held = [];
            return held;
        }
    }
}

/// <summary>
/// On (re)connect with <c>?cursor=</c>: sends the connection every change of the user's feed after that cursor, the
/// events held meanwhile after them, and <c>messages:offline:stop</c> in between. A replay that fails closes the
/// connection: the client reconnects with the cursor it has and the replay starts over from there.
/// </summary>
public sealed partial class OfflineReplay(IGrainFactory grains, IHubContext<ChatHub, IChatClient> hub, DeliveredReports delivered, ILogger<OfflineReplay> logger)
{
    /// <summary>How many changes one read of the feed takes.</summary>
    private const int PageSize = 500;

    /// <summary>The <c>cursor</c> of the hub URL; -1 (no cursor of ours: a snapshot) when it is not a number.</summary>
    public static long? CursorOf(HttpContext? http) =>
        http?.Request.Query["cursor"].ToString() is { Length: > 0 } text
            ? long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var cursor) ? cursor : -1
            : null;

    /// <summary>Starts the replay beside the connection (hub calls are answered meanwhile).</summary>
    public void Start(string userId, string sessionId, HubCallerContext connection, long since, ReplayBuffer buffer) =>
        _ = ReplayAsync(userId, sessionId, connection, since, buffer);

    private async Task ReplayAsync(string userId, string sessionId, HubCallerContext connection, long since, ReplayBuffer buffer)
    {
        var client = hub.Clients.Client(connection.ConnectionId);
        var cursor = Math.Max(since, 0);
        var snapshot = false;
        var sent = 0;
        try
        {
            var hasMore = true;
            while (hasMore && !connection.ConnectionAborted.IsCancellationRequested)
            {
                var read = await FeedReader.ReadAsync(grains, userId, since < 0 ? since : cursor, PageSize);
                if (read.SnapshotRequired)
                {
                    snapshot = true;
                    cursor = read.Cursor;
                    break;
                }

                foreach (var feedEvent in read.Changes.SelectMany(FeedEvents.Of))
                {
                    if (feedEvent.Cursor <= cursor || string.Equals(feedEvent.ExceptSession, sessionId, StringComparison.Ordinal))
                    {
                        continue; // The device has it: before its cursor, or its own doing.
                    }

                    await feedEvent.SendAsync(client);
                    sent++;
                    if (feedEvent.Data is Message message && !string.Equals(message.SenderId, userId, StringComparison.Ordinal))
                    {
                        delivered.Note(message.ConversationId, [userId], message.SortNumber);
                    }
                }

                cursor = read.Cursor;
                hasMore = read.HasMore;
            }

            await client.OfflineStop(new OfflineStop(cursor, snapshot, sent));
            while (buffer.TakeOrGoLive(cursor) is { } held)
            {
                foreach (var feedEvent in held.Where(e => e.Cursor > cursor))
                {
                    await feedEvent.SendAsync(client);
                }
            }

            LogReplayed(logger, userId, connection.ConnectionId, sent, cursor, snapshot);
        }
        catch (Exception exception)
        {
            LogReplayFailed(logger, exception, userId, connection.ConnectionId);
            connection.Abort();
        }
    }

    [LoggerMessage(EventId = 4420, Level = LogLevel.Debug, Message = "Replayed {Events} events to connection {ConnectionId} of user {UserId}, now at {Cursor} (snapshot: {Snapshot})")]
    private static partial void LogReplayed(ILogger logger, string userId, string connectionId, int events, long cursor, bool snapshot);

    [LoggerMessage(EventId = 4421, Level = LogLevel.Warning, Message = "Could not replay the missed changes to connection {ConnectionId} of user {UserId}; closing it so that it reconnects")]
    private static partial void LogReplayFailed(ILogger logger, Exception exception, string userId, string connectionId);
}
