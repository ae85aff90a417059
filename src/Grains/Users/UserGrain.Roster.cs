using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Conversations;
using Orleans.Storage;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// The roster: my conversations as their grains report them, with unread totals. Changes stay in memory and are saved
/// when the activation ends; a stale mark, stored by the first change, tells the next activation after a crash to
/// rebuild the roster from the conversation grains (see <see cref="UserState.RosterMayBeStale"/>).
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>How many conversations a roster rebuild asks at once.</summary>
    internal const int RebuildConcurrency = 256;

    /// <summary>The stored state says <see cref="UserState.RosterMayBeStale"/>: roster changes may stay in memory.</summary>
    private bool _staleMarkStored;

    /// <summary>My conversations by id, as their grains last reported them; each is one row of the roster store.</summary>
    private readonly Dictionary<string, ConversationView> _conversations = new(StringComparer.Ordinal);

    /// <summary>Conversations I hid from my list, with their last sortNumber then: hidden until a later message.</summary>
    private readonly Dictionary<string, long> _hidden = new(StringComparer.Ordinal);

    /// <summary>The roster's unread totals; every change to <see cref="_conversations"/> goes through <see cref="SetRosterEntry"/>.</summary>
    private UnreadTotals _unread = new();

    /// <summary>The roster in the list's orders, kept like <see cref="_unread"/>.</summary>
    private RosterIndex _index = new();

    /// <summary>
    /// The rebuild of a roster the previous activation left stale, true once every entry is refreshed; null if none
    /// was needed. It runs beside calls rather than before them: after a silo dies, its users reactivate elsewhere and
    /// must answer sends and sign-ins at once, while a rebuild activates every conversation of the user.
    /// </summary>
    private Task<bool>? _rebuild;

    public async ValueTask ApplyConversationUpdateAsync(ConversationUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (!S.Created)
        {
            var userId = this.GetPrimaryKeyString();
            LogUpdateForMissingUser(logger, userId, update.View.Id);
            return;
        }

        EndLapsedMutes();
        var view = update.View;
        var isNew = !_conversations.TryGetValue(view.Id, out var known);
        if (!isNew && known!.Revision >= view.Revision)
        {
            // A replay (retry, reactivation, or a rebuild that got there first): the roster already has this or a
            // newer view; events were sent then.
            return;
        }

        SetRosterEntry(view.Id, view);
        view = _conversations[view.Id]; // as held: with my settings, without a last message I do not receive
        if (isNew || !_staleMarkStored)
        {
            // Most changes stay in memory until the activation ends; what makes that safe is stored first. A new
            // entry's row is stored at once, because a rebuild can only refresh entries it knows of; the first change
            // of an activation stores its row and the stale mark, so that an activation after a crash rebuilds the
            // roster. The mark (the user's state) and the row are in different stores: both writes go at once.
            try
            {
                var mark = Task.CompletedTask;
                if (!_staleMarkStored)
                {
                    S.RosterMayBeStale = true;
                    mark = WriteStateAsync();
                }

                await Task.WhenAll(mark, StoreRosterRowsAsync([view.Id]));
            }
            catch (Exception)
            {
                // Not stored, so not applied: the conversation's retry of this update must find it missing.
                SetRosterEntry(view.Id, known);

                throw;
            }
        }
        else
        {
            _unsaved.Add(view.Id);
        }

        // A change caused by a message leaves the message out of the entry: every device has it already, from the
        // `message` event or, on the sending device, as the send's result.
        var entry = update.Message is null ? view : view with { LastMessage = null };

        // A message at or before the entry's last one was passed on when it came (or will come from history on
        // catch-up): a retried send pushes it again with a newer view, which is applied, but devices get it once.
        // A group message from a user I do not receive from (a privacy list) is not passed on either.
        var message = update.Message is { } sent && sent.Message.SortNumber > (known?.LastSortNumber ?? 0) && !Silences(sent.Message.SenderId) ? sent : null;
        QueuePushes(message, view); // UserGrain.Push.cs
        Feed(new FeedChange(0, message, update.Read, update.Delivered, update.MessageChange, new ConversationChanged(entry, _unread.For(view.OrganizationId))));
    }

    public async ValueTask<IReadOnlyList<ConversationView>> GetConversationsAsync(string organizationId)
    {
        EnsureMember(organizationId);
        await RebuildFinishedAsync();
        await RefreshBroadcastGroupsAsync(organizationId);
        EndLapsedMutes();
        return [.. _index.After(organizationId, RosterSort.Recent, after: null).Select(key => _conversations[RosterIndex.IdOf(key)])];
    }

    public async ValueTask<UnreadSummary> GetUnreadAsync(string organizationId)
    {
        EnsureMember(organizationId);
        await RebuildFinishedAsync();
        await RefreshBroadcastGroupsAsync(organizationId);
        EndLapsedMutes();
        return _unread.For(organizationId);
    }

    public ValueTask<IReadOnlyList<ConversationView>> GetBroadcastGroupsAsync() =>
        ValueTask.FromResult<IReadOnlyList<ConversationView>>([.. _conversations.Values.Where(v => v.Broadcast && v.IsMember)]);

    public async Task MergeRosterAsync(IReadOnlyList<ConversationView> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        var userId = this.GetPrimaryKeyString();
        foreach (var view in views)
        {
            await ApplyConversationUpdateAsync(new ConversationUpdate(userId, view));
        }
    }

    /// <summary>Roster reads wait for a running rebuild, so that no device is told a count the log does not back.</summary>
    private async ValueTask RebuildFinishedAsync()
    {
        if (_rebuild is { IsCompleted: false } rebuild)
        {
            await rebuild;
        }
    }

    /// <summary>
    /// Refreshes every roster entry from its conversation grain, which derives it from the message log, and tells the
    /// devices of each entry that changed. False if some conversation did not answer (the next activation tries again).
    /// </summary>
    private async Task<bool> RebuildRosterAsync()
    {
        var userId = this.GetPrimaryKeyString();
        var complete = true;

        // A few hundred at a time: each activates a conversation, which reads the log, and a roster can be large.
        foreach (var chunk in _conversations.Keys.ToArray().Chunk(RebuildConcurrency))
        {
            var refreshes = chunk.Select(id => ChatConversations.Get(GrainFactory, id).GetRosterViewAsync(userId).AsTask()).ToList();
            try
            {
                await Task.WhenAll(refreshes);
            }
            catch (Exception exception)
            {
                // Keep what did refresh.
                LogRosterRebuildFailed(logger, exception, userId);
                complete = false;
            }

            var changed = new List<ConversationView>();
            foreach (var refresh in refreshes.Where(r => r.IsCompletedSuccessfully))
            {
                var view = refresh.Result;
                if (_conversations.TryGetValue(view.Id, out var known) && view.Revision > known.Revision)
                {
                    SetRosterEntry(view.Id, view);
                    changed.Add(_conversations[view.Id]);
                }
            }

            if (changed.Count > 0)
            {
                _unsaved.UnionWith(changed.Select(v => v.Id));
                foreach (var view in changed)
                {
                    FeedEntryChanged(view);
                }
            }
        }

        LogRosterRebuilt(logger, userId, _conversations.Count);
        return complete;
    }

    /// <summary>
    /// Brings the organization's broadcast groups (every organization's, with null) up to date from their grains: their messages do not come through this
    /// grain, so their last message and unread count are asked for when the roster is read, one call per group, all at
    /// once. Not stored: the group derives them again at any time. A group that does not answer keeps its entry. A
    /// changed entry is fed: my devices do not get the group's messages through this grain, so this is how a
    /// reconnecting device hears of them.
    /// </summary>
    private async Task RefreshBroadcastGroupsAsync(string? organizationId)
    {
        var userId = this.GetPrimaryKeyString();
        var refreshes = _conversations.Values
            .Where(v => v.Broadcast && v.IsMember && (organizationId is null || string.Equals(v.OrganizationId, organizationId, StringComparison.Ordinal)))
            .Select(v => ChatConversations.Get(GrainFactory, v.Id).GetRosterViewAsync(userId).AsTask())
            .ToList();
        try
        {
            await Task.WhenAll(refreshes);
        }
        catch (Exception exception)
        {
            LogBroadcastRefreshFailed(logger, exception, userId);
        }

        foreach (var view in refreshes.Where(r => r.IsCompletedSuccessfully).Select(r => r.Result))
        {
            if (_conversations.TryGetValue(view.Id, out var known) && view.Revision > known.Revision)
            {
                SetRosterEntry(view.Id, view);
                FeedEntryChanged(_conversations[view.Id]);
            }
        }
    }

    /// <summary>Puts a change of my roster entry alone (no message or receipt caused it) on my feed.</summary>
    private void FeedEntryChanged(ConversationView view) =>
        Feed(new FeedChange(0, Conversation: new ConversationChanged(view, _unread.For(view.OrganizationId))));

    /// <summary>
    /// Sets or (with null) removes a roster entry, keeping the unread totals in step. A view without a name keeps the
    /// entry's: a 1-1 conversation names its views once it has verified its members, which a view taken for a rebuild
    /// right after its activation may come before. A view from a conversation keeps my settings of the entry; only
    /// <paramref name="mySettings"/> (a change of them) replaces them. A view's last message from a user I do not
    /// receive from is not kept.
    /// </summary>
    private void SetRosterEntry(string conversationId, ConversationView? view, bool mySettings = false)
    {
        _conversations.TryGetValue(conversationId, out var before);
        if (view is { Name: null } && before?.Name is { } name)
        {
            view = view with { Name = name };
        }

        // A group's last message from a user I do not receive from (a privacy list) is not my entry's preview: the one
        // held before stays, if I receive its sender's.
        if (view?.LastMessage is { } last && Silences(last.SenderId))
        {
            view = view with { LastMessage = before?.LastMessage is { } held && !Silences(held.SenderId) ? held : null };
        }

        if (!mySettings && view is not null && before is not null)
        {
            // A conversation's view never has my settings (mute, notification level): they stay as I set them.
            view = view with { MutedUntil = before.MutedUntil, NotificationLevel = before.NotificationLevel };
        }

        if (view is null)
        {
            _conversations.Remove(conversationId);
        }
        else
        {
            _conversations[conversationId] = view;
        }

        _unread.Replace(before, view);
        _index.Replace(before, view);
    }

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "User {UserId} rebuilt its roster of {Conversations} conversations after an unclean end")]
    private static partial void LogRosterRebuilt(ILogger logger, string userId, int conversations);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "User {UserId} could not rebuild its whole roster; it will try again on its next activation")]
    private static partial void LogRosterRebuildFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "User {UserId} could not refresh every broadcast group of its roster; those keep their last known entry")]
    private static partial void LogBroadcastRefreshFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Conversation {ConversationId} updated user {UserId}, who does not exist")]
    private static partial void LogUpdateForMissingUser(ILogger logger, string userId, string conversationId);
}
