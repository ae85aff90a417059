using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// Feed changes to a user's connections here, in the order of their sequence. The user grain tells each change once it
/// is stored, one one-way call per change, and Orleans may deliver one-way calls out of order; so a change that comes
/// before an earlier one waits for it, and a gap still open after <see cref="GapPatience"/> (a change told while this
/// host was not subscribed, after a silo died; or a reset entry, which is never told) is read from the feed. A reset
/// tells the connections to take a snapshot (<c>messages:offline:stop</c> with <c>snapshotRequired</c>). Until the
/// subscription says where the changes told to this host begin (<see cref="StartFeedAsync"/>), they wait.
/// </summary>
public sealed partial class UserConnections
{
    /// <summary>How long a change that came before an earlier one waits for it.</summary>
    private static readonly TimeSpan GapPatience = TimeSpan.FromMilliseconds(500);

    /// <summary>The user's feed changes told to this host start after <paramref name="feedLast"/>: those held go now.</summary>
    private async Task StartFeedAsync(UserLink link, long feedLast)
    {
        await link.FeedGate.WaitAsync();
        try
        {
            link.NextSequence = feedLast + 1;
            foreach (var told in link.Held.Keys.Where(s => s < link.NextSequence).ToList())
            {
                link.Held.Remove(told); // Told during the subscription, before its place: not for this host's devices.
            }

            await DeliverHeldAsync(link);
        }
        finally
        {
            link.FeedGate.Release();
        }
    }

    private async Task AcceptAsync(UserLink link, FeedChange change)
    {
        await link.FeedGate.WaitAsync();
        try
        {
            if (change.Sequence == link.NextSequence)
            {
                await DeliverAsync(link, change);
                await DeliverHeldAsync(link);
            }
            else if (change.Sequence > link.NextSequence)
            {
                // Early, or before the subscription said where to start (NextSequence 0).
                link.Held[change.Sequence] = change;
                if (link.NextSequence > 0)
                {
                    CheckGapLater(link);
                }
            }

            // Older than the next one expected: a gap read from the feed had it.
        }
        finally
        {
            link.FeedGate.Release();
        }
    }

    /// <summary>Sends the held changes that follow on; a gap left before the others is read later.</summary>
    private async Task DeliverHeldAsync(UserLink link)
    {
        while (link.Held.Remove(link.NextSequence, out var next))
        {
            await DeliverAsync(link, next);
        }

        if (link.Held.Count > 0)
        {
            CheckGapLater(link);
        }
    }

    private void CheckGapLater(UserLink link)
    {
        if (!link.GapCheckDue)
        {
            link.GapCheckDue = true;
            _ = CloseGapLaterAsync(link);
        }
    }

    private async Task CloseGapLaterAsync(UserLink link)
    {
        await Task.Delay(GapPatience);
        await link.FeedGate.WaitAsync();
        try
        {
            link.GapCheckDue = false;
            if (link.Held.Count == 0)
            {
                return;
            }

            var first = link.Held.Keys.First();
            try
            {
                var read = first - link.NextSequence > FeedReader.MaxPage ? null
                    : await FeedReader.ReadAsync(grains, link.UserId, FeedCursor.After(link.NextSequence - 1), (int)(first - link.NextSequence));
                if (read is null || read.SnapshotRequired)
                {
                    await SendToAsync(link.Except(null), client => client.OfflineStop(new OfflineStop(FeedCursor.After(first - 1), SnapshotRequired: true, Replayed: 0)));
                }
                else
                {
                    foreach (var missed in read.Changes.Where(c => c.Sequence < first))
                    {
                        await DeliverAsync(link, missed);
                    }
                }
            }
            catch (Exception exception)
            {
                LogGapNotRead(logger, exception, link.UserId, link.NextSequence, first);
            }

            link.NextSequence = Math.Max(link.NextSequence, first);
            await DeliverHeldAsync(link);
        }
        finally
        {
            link.FeedGate.Release();
        }
    }

    /// <summary>Sends a change's events; a message written to a connection counts as delivered to the user.</summary>
    private async Task DeliverAsync(UserLink link, FeedChange change)
    {
        link.NextSequence = change.Sequence + 1;
        foreach (var feedEvent in FeedEvents.Of(change))
        {
            if (feedEvent.Cursor % FeedCursor.PerChange == FeedCursor.MessageSlot && !link.IsNewMessage((Message)feedEvent.Data))
            {
                // Fed again by an activation that came after a crash (a retried send it could not tell from a new one):
                // the devices here had it live.
                continue;
            }

            if (await SendAsync(link, feedEvent) && feedEvent.Data is Message message && message.SenderId != link.UserId)
            {
                NoteDelivered(message, [link.UserId]);
            }
        }

        if (change.Conversation is { } conversation)
        {
            await TrackGroupAsync(link, conversation.Conversation);
        }
    }

    /// <summary>
    /// Sends a feed event to the user's connections here (but those of the session that caused it: the device that sent
    /// a message has it as its call's result), holding it for a connection whose replay is running and leaving it out
    /// for one whose replay sent it; false if there were none.
    /// </summary>
    private async ValueTask<bool> SendAsync(UserLink link, FeedEvent feedEvent)
    {
        var targets = link.Except(feedEvent.ExceptSession);
        var live = Array.Exists(targets, c => c.Replay is not null) ? [.. targets.Where(c => c.Replay is null || c.Replay.Offer(feedEvent))] : targets;
        await SendToAsync(live, feedEvent.SendAsync);
        return targets.Length > 0;
    }

    [LoggerMessage(EventId = 4407, Level = LogLevel.Warning, Message = "Could not read the feed of user {UserId} from {Next} to {First}; its devices here skip those changes live (they get them when they reconnect)")]
    private static partial void LogGapNotRead(ILogger logger, Exception exception, string userId, long next, long first);
}
