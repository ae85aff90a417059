using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Persistence;
using Orleans.Storage;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// The roster in the roster store, one row per conversation: an activation reads every row once, a change writes its
/// own row, so a user with 10,000 conversations pays for one of them per write, not for all.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>Conversations whose entry changed since its row was stored: written when the activation ends.</summary>
    private readonly HashSet<string> _unsaved = new(StringComparer.Ordinal);

    /// <summary>
    /// Reads the roster's rows (moving a roster stored inside the state by earlier versions into rows first); if the
    /// previous activation died with unsaved changes, starts the roster's rebuild.
    /// </summary>
    private async Task LoadRosterAsync(CancellationToken cancellationToken)
    {
        if (!S.Created)
        {
            return;
        }

        var userId = this.GetPrimaryKeyString();
        if (S.Conversations.Count > 0)
        {
            await MoveRosterOutOfStateAsync(userId, cancellationToken);
        }

        foreach (var row in await rosterStore.ReadAsync(userId, cancellationToken))
        {
            var entry = JsonSerializer.Deserialize(row.Payload, GrainStateJsonContext.Default.RosterEntry)!;
            _conversations[row.ConversationId] = entry.View;
            if (entry.HiddenUpTo is { } upTo)
            {
                _hidden[row.ConversationId] = upTo;
            }
        }

        _unread = UnreadTotals.Of(_conversations.Values, S.CountMutedInUnreadTotal);
        _index = RosterIndex.Of(_conversations.Values);
        _nextMuteEnd = NextMuteEnd();
        _staleMarkStored = S.RosterMayBeStale;
        if (S.RosterMayBeStale)
        {
            FeedReset();

            // Not awaited: the rebuild's turns interleave with calls, which is safe because it only reads conversation
            // grains and applies views newer than held (as a conversation's own push would), and it never writes, so
            // no write of a call can race one of its own. The stale mark stays stored until the rows are.
            _rebuild = RebuildRosterAsync();
        }
    }

    /// <summary>Stores the rows of these conversations in one commit; a row stored as it is now is no longer unsaved.</summary>
    private async Task StoreRosterRowsAsync(IEnumerable<string> conversationIds, CancellationToken cancellationToken = default)
    {
        var rows = conversationIds.Select(id => ToRow(_conversations[id], _hidden.TryGetValue(id, out var upTo) ? upTo : null)).ToList();
        await rosterStore.WriteAsync(this.GetPrimaryKeyString(), rows, cancellationToken);
        foreach (var row in rows.Where(r => _conversations[r.ConversationId].Revision == r.Revision))
        {
            _unsaved.Remove(row.ConversationId);
        }
    }

    private static RosterRow ToRow(ConversationView view, long? hiddenUpTo) =>
        new(view.Id, view.Revision, JsonSerializer.Serialize(new RosterEntry(view, hiddenUpTo), GrainStateJsonContext.Default.RosterEntry));

    /// <summary>
    /// On deactivation: stores the changed rows, then clears the stale mark unless a rebuild is still owed. When another
    /// activation of this user may be running, the changes go to it as well: Orleans deactivates this one because its
    /// directory entry died with a silo (another silo may already have activated the user) or because it found two,
    /// or this one's state write finds that another activation wrote first. Either way the other one holds a roster
    /// read before some of this one's changes, and only this one has them in memory.
    /// </summary>
    private async Task SaveRosterAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (reason.ReasonCode is DeactivationReasonCode.DirectoryFailure or DeactivationReasonCode.DuplicateActivation)
        {
            HandOverRoster();
            return;
        }

        if (_unsaved.Count > 0)
        {
            try
            {
                // Safe beside another activation: a row never goes back to an older revision.
                await StoreRosterRowsAsync(_unsaved, cancellationToken);
            }
            catch (Exception exception)
            {
                // The stale mark stays stored: the next activation rebuilds what these rows lack.
                LogRosterNotSaved(logger, exception, this.GetPrimaryKeyString());
                return;
            }
        }

        var stale = (_rebuild is not null && !(_rebuild.IsCompletedSuccessfully && _rebuild.Result)) || _feedQueue.Count > 0;
        if (S.RosterMayBeStale != stale)
        {
            S.RosterMayBeStale = stale;
            try
            {
                await state.WriteStateAsync(cancellationToken);
            }
            catch (InconsistentStateException exception)
            {
                LogRosterHandedOver(logger, exception, this.GetPrimaryKeyString());
                HandOverRoster();
            }
        }
    }

    /// <summary>Sends the roster's unsaved changes to whichever activation of this user answers once this one is gone.</summary>
    private void HandOverRoster()
    {
        if (_unsaved.Count > 0)
        {
            // Not awaited (one-way): addressed to this grain, it is delivered after this activation has ended.
            _ = this.AsReference<IUserGrain>().MergeRosterAsync([.. _unsaved.Select(id => _conversations[id])]);
        }
    }

    /// <summary>
    /// Versions before the roster store kept the roster inside the user's state, written whole. Its entries become rows
    /// (a row the store already has at the same or a later revision stays), then the state is written without them.
    /// </summary>
    private async Task MoveRosterOutOfStateAsync(string userId, CancellationToken cancellationToken)
    {
        var rows = S.Conversations.Values.Select(view => ToRow(view, S.Hidden.TryGetValue(view.Id, out var upTo) ? upTo : null)).ToList();
        await rosterStore.WriteAsync(userId, rows, cancellationToken);
        S.Conversations.Clear();
        S.Hidden.Clear();
        await state.WriteStateAsync(cancellationToken);
        LogRosterMoved(logger, userId, rows.Count);
    }

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "User {UserId} found its stored state written by another activation; it hands its roster to that one")]
    private static partial void LogRosterHandedOver(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Error, Message = "User {UserId} could not store its changed roster rows; its next activation rebuilds them")]
    private static partial void LogRosterNotSaved(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "User {UserId} moved its roster of {Conversations} conversations from its state into rows")]
    private static partial void LogRosterMoved(ILogger logger, string userId, int conversations);
}
