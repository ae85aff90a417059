using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Runtime;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A 1-1 conversation. Messages go to the message log (durable before a send returns), and a send writes nothing
/// else: the last message, its sortNumber and the unread counts are derived from the log when the grain activates
/// and kept up to date from then on; the persisted state is the members' cursors. Both members' user grains get
/// absolute views with a growing revision, so pushing the same view twice (a retry, a reactivation) changes nothing.
/// The caller's acknowledgement waits for the caller's own roster only; the other member's roster and devices are
/// updated in the background, in order (see <see cref="RosterPushes"/>).
/// </summary>
[GrainType("Conversation")]
public sealed partial class ConversationGrain(
    [PersistentState("conversation")] IPersistentState<ConversationState> state,
    IMessageLog messageLog,
    IGrainFactory grains,
    IOptions<ConversationOptions> options,
    IOptions<TypingOptions> typingOptions,
    TimeProvider timeProvider,
    ILogger<ConversationGrain> logger) : Grain, IConversationGrain
{
    /// <summary>Each member's unread messages, and how many of them are high priority, as the log and the cursors say.</summary>
    private readonly Dictionary<string, LogCount> _unread = new(StringComparer.Ordinal);
    private readonly RosterPushes _pushes = new(grains, logger);
    private ConversationKey _key;
    private string _id = "";

    /// <summary>The members' display names, taken when they are verified (see <see cref="EnsureMembersAsync"/>).</summary>
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    /// <summary>The members who do not receive the other's messages (a privacy list), learned with <see cref="_names"/>.</summary>
    private readonly HashSet<string> _silencing = new(StringComparer.Ordinal);
    private long _lastSortNumber;
    private Message? _lastMessage;
    private DateTimeOffset _updatedAt;

    private ConversationState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ConversationKey.Parse(this.GetPrimaryKeyString());
        _id = _key.ToGrainKey();
        foreach (var member in new[] { _key.FirstUserId, _key.SecondUserId })
        {
            if (!S.Members.ContainsKey(member))
            {
                S.Members[member] = new ConversationMemberState();
            }
        }

        // The log is the truth for the messages: the last one is read back rather than kept in the state, after a change
        // a crash cut short is finished, so the last message and the counts below include it.
        _changes = new MessageChanges(messageLog, _id, _key.OrganizationOf, new MessageSearchIndex(ServiceProvider.GetService<IMessageSearch>()));
        _threads = new MessageThreads(messageLog, _id);
        _attachments = new MessageAttachments(messageLog, grains, _id, _key.OrganizationOf);
        var (lastChange, lastMessage) = await _changes.ActivateAsync(cancellationToken);
        await ReconcilePinsAsync(lastChange);
        _removals = new MessageRemovals(this, this);
        _removals.Activate();
        if (lastMessage is { } last)
        {
            _lastMessage = last.Removed is null ? last : null;
            _lastSortNumber = last.SortNumber;
            _updatedAt = last.CreatedAt;
            await _threads.RepairAsync(last);
        }

        Mentions.ForgetUnstored(S.Members.Values.Select(m => m.Mentions), _lastSortNumber);

        foreach (var (member, cursor) in S.Members)
        {
            _unread[member] = _lastSortNumber <= cursor.UnreadAfter()
                ? default
                : await messageLog.CountAsync(_id, cursor.UnreadAfter(), _lastSortNumber, [member], cancellationToken);
        }

        if (_lastSortNumber > 0)
        {
            // Absolute views: harmless if the rosters already have them, a repair if a roster missed the last change
            // (a send stored just before a crash). Not awaited: a member's user grain may itself be activating and
            // waiting for this grain (UserGrain rebuilding its roster), and the push waits for its activation.
            _ = RepairRostersAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_deliveredFlush is not null)
        {
            await FlushDeliveredAsync(cancellationToken);
        }
    }

    public async ValueTask<Message> GetMessageAsync(string requesterId, long sortNumber) =>
        await MessageCopies.VisibleAsync(GetHistoryAsync, requesterId, sortNumber);

    public async ValueTask<MessagePage> GetHistoryAsync(HistoryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var requesterId = Validate.Id(query.RequesterId, "requesterId");
        CounterpartyOf(requesterId);
        var limit = Validate.Limit(query.Limit);
        var before = query.Before is { } b ? Validate.SortNumber(b, "before") : long.MaxValue;
        var after = Math.Max(query.After is { } a ? Validate.SortNumber(a, "after") : 0, S.Members[requesterId].ClearedSortNumber);
        await EnsureMembersAsync();
        return await messageLog.ReadPageAsync(_id, after, before, limit, query.Order, await _changes.ShownToAsync(requesterId, timeProvider.GetUtcNow()));
    }

    public async ValueTask<ConversationView> MarkReadAsync(string readerId, long sortNumber)
    {
        Validate.Id(readerId, "readerId");
        CounterpartyOf(readerId);
        Validate.SortNumber(sortNumber, "sortNumber");
        await EnsureMembersAsync();

        var cursor = S.Members[readerId];
        var upTo = Math.Min(sortNumber, _lastSortNumber);
        var receipt = upTo > cursor.ReadSortNumber;
        if (!cursor.Read(upTo))
        {
            // Nothing moves, so nothing is written or pushed.
            return View(readerId);
        }

        cursor.DeliveredSortNumber = Math.Max(cursor.DeliveredSortNumber, upTo);
        Mentions.Forget(cursor.Mentions, cursor.UnreadAfter());
        _unread[readerId] = upTo >= _lastSortNumber ? default : await messageLog.CountAsync(_id, upTo, _lastSortNumber, [readerId]);
        await WriteStateAsync(); // Stores any delivered receipts waiting for their flush too.
        if (receipt)
        {
            await PushAsync(readerId, sent: null, read: new MessageRead(_id, _key.OrganizationOf(readerId), readerId, upTo));
        }
        else
        {
            // Read within what the reader had marked unread: no receipt is news to the other member.
            await _pushes.PushAndWait(Update(readerId, sent: null, read: null));
        }

        if (receipt && S.PendingRemovals.Any(p => p.DeleteOnRead))
        {
            await _removals.SweepAsync(); // what is to be deleted on read may be read by all now
        }

        return View(readerId);
    }

    public ValueTask<ConversationView> ClearHistoryAsync(string memberId, long sortNumber) =>
        ChangeOwnPositionAsync(memberId, sortNumber, (cursor, upTo) => cursor.Clear(Math.Min(upTo, _lastSortNumber)));

    public ValueTask<ConversationView> MarkUnreadAsync(string memberId, long sortNumber) =>
        ChangeOwnPositionAsync(memberId, sortNumber, (cursor, from) => from <= _lastSortNumber && cursor.MarkUnread(Math.Max(from, 1)));

    public async ValueTask<ConversationView> GetViewAsync(string memberId)
    {
        Validate.Id(memberId, "memberId");
        CounterpartyOf(memberId);
        await EnsureMembersAsync();
        return View(memberId);
    }

    public ValueTask<ConversationView> GetRosterViewAsync(string memberId)
    {
        CounterpartyOf(Validate.Id(memberId, "memberId"));
        return ValueTask.FromResult(View(memberId));
    }

    private string CounterpartyOf(string userId) =>
        _key.Contains(userId) ? _key.CounterpartyOf(userId) : throw new PermissionDeniedException("You are not a member of this conversation.");

    /// <summary>
    /// Each member must belong to their organization in the conversation; checked once per activation, which also takes
    /// their display names (each member's entry is named after the other, for lists sorted by name). A conversation
    /// across organizations with no message yet needs both organizations' consent too (see
    /// <see cref="EnsureCrossOrganizationAllowedAsync"/>).
    /// </summary>
    private async ValueTask EnsureMembersAsync()
    {
        // Until its first message a conversation asks every time: no member's roster names it yet, so none would tell it
        // to forget (see ForgetMembersAsync).
        if (_names.Count != 2 || _lastSortNumber == 0)
        {
            var profiles = await Task.WhenAll(ProfileAsync(_key.FirstUserId), ProfileAsync(_key.SecondUserId));
            if (profiles.Any(p => p is null || !p.Organizations.Contains(_key.OrganizationOf(p.Id), StringComparer.Ordinal)))
            {
                throw _key.OrganizationId is { } organizationId
                    ? new PermissionDeniedException($"Both users must be members of organization '{organizationId}'.")
                    : CrossOrganizationRefused();
            }

            // Whether one member does not receive the other's messages (a privacy list): asked with the profiles, and
            // again after a member's list changed (see ForgetMembersAsync).
            var silencing = await Task.WhenAll(
                grains.GetGrain<IUserGrain>(_key.FirstUserId).IsSilencingAsync(_key.SecondUserId).AsTask(),
                grains.GetGrain<IUserGrain>(_key.SecondUserId).IsSilencingAsync(_key.FirstUserId).AsTask());
            _silencing.Clear();
            foreach (var (member, silences) in new[] { (_key.FirstUserId, silencing[0]), (_key.SecondUserId, silencing[1]) })
            {
                if (silences)
                {
                    _silencing.Add(member);
                }
            }

            foreach (var profile in profiles)
            {
                _names[profile!.Id] = profile.DisplayName;
            }
        }

        if (_lastSortNumber == 0)
        {
            await EnsureCrossOrganizationAllowedAsync();
        }
    }

    public ValueTask ForgetMembersAsync()
    {
        _names.Clear();
        return ValueTask.CompletedTask;
    }

    /// <summary>A 1-1 message (stored or custom) to a member who blocked the sender, or whom the sender blocked mutually, is refused.</summary>
    private void EnsureNotSilenced(string recipientId)
    {
        if (_silencing.Contains(recipientId))
        {
            throw new PermissionDeniedException("This user does not accept your messages.");
        }
    }

    private async Task<UserProfile?> ProfileAsync(string userId)
    {
        try
        {
            return await grains.GetGrain<IUserGrain>(userId).GetProfileAsync();
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stores the cursors with a new revision. The revision grows only with a stored write, so a view pushed after it
    /// is never outranked by one from before a crash.
    /// </summary>
    private async ValueTask WriteStateAsync()
    {
        // The write takes the delivered cursors with it; the flush stays due only to announce them.
        _delivered.Written();
        if (!_delivered.Unannounced)
        {
            _deliveredFlush?.Dispose();
            _deliveredFlush = null;
        }

        S.Revision++;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception exception)
        {
            // The in-memory state is now ahead of the stored one: start over from storage and the log next time.
            LogStateWriteFailed(logger, exception, _id);
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>
    /// Changes what only the member sees (an unread mark, a cleared position): counts their unread again, stores it, and
    /// tells their roster alone; the other member's view does not change.
    /// </summary>
    private async ValueTask<ConversationView> ChangeOwnPositionAsync(string memberId, long sortNumber, Func<ConversationMemberState, long, bool> change)
    {
        Validate.Id(memberId, "memberId");
        CounterpartyOf(memberId);
        Validate.SortNumber(sortNumber, "sortNumber");
        await EnsureMembersAsync();

        var cursor = S.Members[memberId];
        if (!change(cursor, sortNumber))
        {
            return View(memberId);
        }

        var after = cursor.UnreadAfter();
        Mentions.Forget(cursor.Mentions, cursor.ClearedSortNumber);
        _unread[memberId] = after >= _lastSortNumber ? default : await messageLog.CountAsync(_id, after, _lastSortNumber, [memberId]);
        await WriteStateAsync();
        await _pushes.PushAndWait(Update(memberId, sent: null, read: null));
        return View(memberId);
    }

    /// <summary>Pushes both members' views after an activation, named once the members are verified (if they still are).</summary>
    private async Task RepairRostersAsync()
    {
        try
        {
            await EnsureMembersAsync();
        }
        catch (Exception exception)
        {
            LogMembersUnverified(logger, exception, _id);
        }

        PushViews();
    }

    /// <summary>Pushes both members' current views in the background, with no event.</summary>
    private void PushViews()
    {
        _pushes.Push(Update(_key.FirstUserId, sent: null, read: null));
        _pushes.Push(Update(_key.SecondUserId, sent: null, read: null));
    }

    /// <summary>
    /// Pushes both members' absolute views (and the event, if any) to their user grains and waits for
    /// <paramref name="caller"/>'s only: the other member's roster is the recipient's business, not the sender's.
    /// </summary>
    private Task PushAsync(string caller, MessageSent? sent, MessageRead? read, MessageChange? change = null)
    {
        var callers = _pushes.PushAndWait(Update(caller, sent, read, change: change));
        _pushes.Push(Update(_key.CounterpartyOf(caller), sent, read, change: change));
        return callers;
    }

    private ConversationUpdate Update(string userId, MessageSent? sent, MessageRead? read, IReadOnlyList<MessageDelivered>? delivered = null, MessageChange? change = null) =>
        new(
            userId,
            View(userId),
            sent,
            read is not null && !string.Equals(read.ReaderId, userId, StringComparison.Ordinal) ? read : null,
            delivered,
            change);

    private ConversationView View(string memberId)
    {
        var counterparty = _key.CounterpartyOf(memberId);
        var mine = S.Members[memberId];
        var theirs = S.Members[counterparty];
        return new ConversationView(
            _id,
            _key.OrganizationOf(memberId),
            counterparty,
            mine.ClearedSortNumber >= _lastSortNumber ? null : _lastMessage,
            _lastSortNumber,
            _unread.GetValueOrDefault(memberId).Entries,
            mine.UnreadAfter(),
            theirs.ReadSortNumber,
            theirs.DeliveredSortNumber,
            _updatedAt,
            // Grows with every send (the sortNumber), every message change (its number) and every cursor move (the
            // persisted count), and none goes back after a crash: the logs keep every acknowledged send and change, and
            // a cursor move is stored before it is pushed.
            _lastSortNumber + _changes.Last + S.Revision,
            Name: _names.GetValueOrDefault(counterparty),
            PriorityUnreadCount: _unread.GetValueOrDefault(memberId).HighPriority,
            LastChangeNumber: _changes.Last,
            MentionUnreadCount: Mentions.Unread(mine.Mentions, mine.UnreadAfter()));
    }

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Conversation {ConversationId} could not verify its members after activating; it pushes its views unnamed")]
    private static partial void LogMembersUnverified(ILogger logger, Exception exception, string conversationId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Conversation {ConversationId} could not write its state; deactivating")]
    private static partial void LogStateWriteFailed(ILogger logger, Exception exception, string conversationId);
}
