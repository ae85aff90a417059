using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Runtime;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// My mutes and notification levels, kept in my roster entries (stored with their rows), and my notification settings.
/// A mute ends by itself: one reminder per user, due at the earliest end, wakes the grain to end the mutes that are over
/// and tell my devices; any read of the roster ends those over already, so nothing shows a mute past its end.
/// </summary>
public sealed partial class UserGrain : IRemindable
{
    internal const string MuteReminder = "mute-ends";

    /// <summary>How often Orleans tries the reminder again while a mute end it was due for is still held (its shortest period).</summary>
    private static readonly TimeSpan MuteReminderRetry = TimeSpan.FromMinutes(1);

    /// <summary>The earliest mute end in the roster (null: none), so that reads look for mutes to end only once one is due.</summary>
    private DateTimeOffset? _nextMuteEnd;

    /// <summary>The end the reminder was registered for by this activation (null: none, or not known).</summary>
    private DateTimeOffset? _muteReminderAt;

    public async ValueTask<ConversationView> MuteConversationAsync(string conversationId, int minutes)
    {
        EnsureCreated();
        var until = timeProvider.GetUtcNow().AddMinutes(Validate.MuteMinutes(minutes));
        var view = EntryOf(conversationId) with { MutedUntil = until };
        await ChangeMySettingsAsync([view]);
        return view;
    }

    public async ValueTask<ConversationView> UnmuteConversationAsync(string conversationId)
    {
        EnsureCreated();
        EndLapsedMutes();
        var view = EntryOf(conversationId);
        if (view.MutedUntil is null)
        {
            return view;
        }

        view = view with { MutedUntil = null };
        await ChangeMySettingsAsync([view]);
        return view;
    }

    public async ValueTask<IReadOnlyList<ConversationView>> GetMutedAsync(string organizationId)
    {
        EnsureMember(organizationId);
        EndLapsedMutes();
        return [.. MutedIn(organizationId).OrderBy(v => v.MutedUntil)];
    }

    public async ValueTask<int> UnmuteAllAsync(string organizationId)
    {
        EnsureMember(organizationId);
        EndLapsedMutes();
        var views = MutedIn(organizationId).Select(v => v with { MutedUntil = null }).ToList();
        if (views.Count > 0)
        {
            await ChangeMySettingsAsync(views);
        }

        return views.Count;
    }

    public async ValueTask<ConversationView> SetNotificationLevelAsync(string conversationId, NotificationLevel level)
    {
        EnsureCreated();
        Validate.Level(level);
        var view = EntryOf(conversationId);
        if (view.NotificationLevel != level)
        {
            view = view with { NotificationLevel = level };
            await ChangeMySettingsAsync([view]);
        }

        return view;
    }

    public ValueTask<NotificationSettings> GetNotificationSettingsAsync()
    {
        EnsureCreated();
        return ValueTask.FromResult(new NotificationSettings(S.CountMutedInUnreadTotal));
    }

    public async ValueTask<NotificationSettings> UpdateNotificationSettingsAsync(NotificationSettingsChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        EnsureCreated();
        if (changes.CountMutedInUnreadTotal is { } countMuted && countMuted != S.CountMutedInUnreadTotal)
        {
            S.CountMutedInUnreadTotal = countMuted;
            await WriteStateAsync();
            _unread = UnreadTotals.Of(_conversations.Values, countMuted);
        }

        return new NotificationSettings(S.CountMutedInUnreadTotal);
    }

    public ValueTask<bool> ShouldPushAsync(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ValueTask.FromResult(
            S.Created
            && message.ConversationId is not null
            && _conversations.TryGetValue(message.ConversationId, out var entry)
            && !Silences(message.SenderId)
            && ShouldPush(entry, message, this.GetPrimaryKeyString(), timeProvider.GetUtcNow()));
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != MuteReminder)
        {
            return;
        }

        EndLapsedMutes();

        // Even when this activation registered nothing: the reminder may be one an earlier activation left.
        await ScheduleMuteEndAsync(force: true);
    }

    /// <summary>
    /// Whether a message would raise a push for me, from my entry of its conversation: not mine, not silent, not muted
    /// (at <paramref name="now"/>), and allowed by the entry's level (<see cref="NotificationLevel.Mentions"/>: it mentions me).
    /// </summary>
    private static bool ShouldPush(ConversationView entry, Message message, string userId, DateTimeOffset now) =>
        !string.Equals(message.SenderId, userId, StringComparison.Ordinal)
        && !message.Silent
        && !(entry.MutedUntil > now)
        && entry.NotificationLevel switch
        {
            NotificationLevel.All => true,
            NotificationLevel.Mentions => message.Mentions?.Contains(userId, StringComparer.Ordinal) == true,
            _ => false,
        };

    private ConversationView EntryOf(string conversationId) =>
        conversationId is not null && _conversations.TryGetValue(conversationId, out var view)
            ? view
            : throw new NotFoundException($"Conversation '{conversationId}' is not in your list.");

    private IEnumerable<ConversationView> MutedIn(string organizationId) =>
        _conversations.Values.Where(v => v.MutedUntil is not null && string.Equals(v.OrganizationId, organizationId, StringComparison.Ordinal));

    private DateTimeOffset? NextMuteEnd() => _conversations.Values.Min(v => v.MutedUntil);

    /// <summary>Sets my settings in these entries and stores their rows (or changes nothing), then tells my devices.</summary>
    private async Task ChangeMySettingsAsync(IReadOnlyList<ConversationView> views)
    {
        var before = views.Select(v => _conversations[v.Id]).ToList();
        foreach (var view in views)
        {
            SetRosterEntry(view.Id, view, mySettings: true);
        }

        try
        {
            await StoreRosterRowsAsync(views.Select(v => v.Id));
        }
        catch (Exception)
        {
            foreach (var view in before)
            {
                SetRosterEntry(view.Id, view, mySettings: true);
            }

            throw;
        }

        _nextMuteEnd = NextMuteEnd();
        await ScheduleMuteEndAsync();
        TellChanged(views);
    }

    /// <summary>
    /// Ends the mutes that are over, in memory (their rows are stored with the activation's other changes; an end lost
    /// in a crash is found over again by the next activation), and tells my devices. Synchronous, so that reads, which
    /// interleave, may call it.
    /// </summary>
    private void EndLapsedMutes()
    {
        var now = timeProvider.GetUtcNow();
        if (!(_nextMuteEnd <= now))
        {
            return;
        }

        var ended = _conversations.Values.Where(v => v.MutedUntil <= now).Select(v => v with { MutedUntil = null }).ToList();
        foreach (var view in ended)
        {
            SetRosterEntry(view.Id, view, mySettings: true);
            _unsaved.Add(view.Id);
        }

        _nextMuteEnd = NextMuteEnd();
        TellChanged(ended);
    }

    /// <summary>
    /// The reminder is due at the earliest mute end, and gone once none is left; registered again only when that end
    /// changes. One an earlier activation left unneeded goes when it fires.
    /// </summary>
    private async Task ScheduleMuteEndAsync(bool force = false)
    {
        if (!force && _nextMuteEnd == _muteReminderAt)
        {
            return;
        }

        if (_nextMuteEnd is { } end)
        {
            var due = end - timeProvider.GetUtcNow();
            await this.RegisterOrUpdateReminder(MuteReminder, due > TimeSpan.Zero ? due : TimeSpan.Zero, MuteReminderRetry);
        }
        else if (await this.GetReminder(MuteReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _muteReminderAt = _nextMuteEnd;
    }

    private void TellChanged(IEnumerable<ConversationView> views)
    {
        foreach (var view in views)
        {
            FeedEntryChanged(_conversations[view.Id]);
        }
    }
}
