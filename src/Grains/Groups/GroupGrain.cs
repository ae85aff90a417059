using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Utilities;

namespace Orleans.Chat.Grains.Groups;

/// <inheritdoc cref="IGroupGrain"/>
/// <remarks>
/// Messages, history, cursors and views here; who is a member, and how that changes, in <c>GroupGrain.Membership.cs</c>.
/// Every member's user grain gets each change, in order, as in a 1-1 conversation (<see cref="RosterPushes"/>), unless
/// the group is large (<see cref="GroupState.Broadcast"/>): then a message goes once to each subscribed Api host, and
/// only the members a change is about hear from the group directly.
/// </remarks>
[GrainType("Group")]
public sealed partial class GroupGrain(
    [PersistentState("group")] IPersistentState<GroupState> state,
    IMessageLog messageLog,
    IGrainFactory grains,
    IOptions<GroupOptions> options,
    TimeProvider timeProvider,
    ILogger<GroupGrain> logger) : Grain, IGroupGrain
{
    /// <summary>Delivered receipts are stored and pushed at most this often per group, not one write per receipt.</summary>
    private static readonly TimeSpan DeliveredFlushDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Unread counts of current members, derived from the log and their read cursors: counted when first needed (a
    /// forum's activation must not count for thousands of members), then kept up to date as messages and reads come.
    /// </summary>
    private readonly Dictionary<string, UnreadCount> _unread = new(StringComparer.Ordinal);
    private readonly RosterPushes _pushes = new(grains, logger);
    private readonly ObserverManager<IGroupObserver> _hosts = new(UserObserverSubscription.Expiration, logger);
    private IGrainTimer? _deliveredFlush;
    private GroupKey _key;
    private string _id = "";
    private long _lastSortNumber;
    private Message? _lastMessage;
    private DateTimeOffset _updatedAt;

    /// <summary>Until then a broadcast group still sends to every member's user grain (see <see cref="GroupOptions.BroadcastGrace"/>).</summary>
    private DateTimeOffset _perMemberUntil;

    private GroupState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = GroupKey.Parse(this.GetPrimaryKeyString());
        _id = _key.ToGrainKey();
        var tail = await messageLog.ReadAsync(_id, long.MaxValue, LogDirection.Backward, 1, cancellationToken);
        if (tail.Count > 0)
        {
            SetLast(tail[0].ToMessage());
        }

        if (!S.Created)
        {
            return;
        }

        // A membership change stored here but not yet in the log (a crash between the two) is finished first, and a
        // forum's listing lost the same way is published again.
        await AppendPendingMembershipAsync(cancellationToken);
        await PublishListingAsync();
        _perMemberUntil = timeProvider.GetUtcNow() + options.Value.BroadcastGrace;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_deliveredFlush is not null)
        {
            await WriteStateAsync();
        }
    }

    public async ValueTask<SendMessageResult> SendAsync(SendMessageCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var senderId = Validate.Id(command.SenderId, "senderId");
        var body = Validate.Body(command.Body);
        var clientMessageId = Validate.Id(command.ClientMessageId, "clientMessageId");
        var origin = Validate.OptionalText(command.OriginSessionId, "originSessionId", Validate.MaxIdLength);
        var sender = Member(senderId);
        if (sender.Role == GroupRole.Member && !sender.Permissions.MaySend)
        {
            throw new PermissionDeniedException("You may not send messages in this group.");
        }

        await AppendPendingMembershipAsync(CancellationToken.None);
        var now = timeProvider.GetUtcNow();
        var message = new Message(Guid.CreateVersion7(now).ToString("N"), _id, _key.OrganizationId, _lastSortNumber + 1, senderId, null, body, clientMessageId, now);
        var stored = await messageLog.AppendAsync(message.ToLogEntry(idempotencyKey: senderId + ":" + clientMessageId));
        if (!string.Equals(stored.EntryId, message.Id, StringComparison.Ordinal))
        {
            // A retry of a send stored earlier, maybe by a previous activation (see ConversationGrain.SendAsync).
            var earlier = stored.ToMessage();
            if (earlier.SortNumber > _lastSortNumber)
            {
                DeactivateOnIdle();
            }

            await SendToRecipientsAsync(earlier, origin);
            await PublishMessageAsync(senderId, new MessageSent(earlier, origin));
            return new SendMessageResult(earlier, Created: false);
        }

        Appended(message);
        LogMessageStored(logger, _id, message.SortNumber, senderId);
        await SendToRecipientsAsync(message, origin);
        await PublishMessageAsync(senderId, new MessageSent(message, origin));
        return new SendMessageResult(message, Created: true);
    }

    public async ValueTask<MessagePage> GetHistoryAsync(HistoryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (first, last) = VisibleWindow(Validate.Id(query.RequesterId, "requesterId"));
        var limit = Validate.Limit(query.Limit);
        var before = Math.Min(query.Before is { } b ? Validate.SortNumber(b, "before") : long.MaxValue, last + 1);
        var after = Math.Max(query.After is { } a ? Validate.SortNumber(a, "after") : 0, first - 1);
        return await messageLog.ReadPageAsync(_id, after, before, limit, query.Order);
    }

    public async ValueTask<ConversationView> MarkReadAsync(string readerId, long sortNumber)
    {
        var reader = Member(Validate.Id(readerId, "readerId"));
        Validate.SortNumber(sortNumber, "sortNumber");
        var upTo = Math.Min(sortNumber, _lastSortNumber);
        var receipt = upTo > reader.ReadSortNumber;
        if (!reader.Read(upTo))
        {
            return View(readerId);
        }

        reader.DeliveredSortNumber = Math.Max(reader.DeliveredSortNumber, upTo);
        var last = _lastSortNumber;
        var unread = upTo >= last ? 0 : await messageLog.CountAsync(_id, upTo, last, readerId);
        _unread[readerId] = new UnreadCount(unread + await UnreadBetweenAsync(readerId, last));
        await WriteStateAsync();

        if (S.Broadcast || !receipt)
        {
            // Thousands of members, or a read of what the reader had marked unread: only the reader's roster hears of
            // it (statuses per recipient are there on request).
            await PushToUsersAsync([readerId], readerId, sent: null);
        }
        else
        {
            // Every member's view changes: the lowest read cursor among the others may have moved.
            await PushToMembersAsync(readerId, sent: null, read: new MessageRead(_id, _key.OrganizationId, readerId, upTo));
        }

        return View(readerId);
    }

    public async ValueTask<ConversationView> ClearHistoryAsync(string memberId, long sortNumber)
    {
        var member = Member(Validate.Id(memberId, "memberId"));
        if (!member.Clear(Math.Min(Validate.SortNumber(sortNumber, "sortNumber"), _lastSortNumber)))
        {
            return await ViewAsync(memberId);
        }

        _unread.Remove(memberId); // Counted again after what was cleared.
        await WriteStateAsync();
        await PushToUsersAsync([memberId], memberId, sent: null);
        return View(memberId);
    }

    public async ValueTask<ConversationView> MarkUnreadAsync(string memberId, long sortNumber)
    {
        var member = Member(Validate.Id(memberId, "memberId"));
        Validate.SortNumber(sortNumber, "sortNumber");
        if (sortNumber > _lastSortNumber || !member.MarkUnread(Math.Max(sortNumber, VisibleWindow(memberId).First)))
        {
            return await ViewAsync(memberId);
        }

        _unread.Remove(memberId); // Counted again from the mark.
        await WriteStateAsync();
        await PushToUsersAsync([memberId], memberId, sent: null);
        return View(memberId);
    }

    public async ValueTask<ConversationView> MarkDeliveredAsync(string memberId, long sortNumber)
    {
        Member(Validate.Id(memberId, "memberId"));
        MoveDelivered(memberId, Validate.SortNumber(sortNumber, "sortNumber"));
        return await ViewAsync(memberId);
    }

    public ValueTask MarkDeliveredManyAsync(IReadOnlyList<DeliveredMark> marks)
    {
        ArgumentNullException.ThrowIfNull(marks);
        foreach (var mark in marks)
        {
            if (mark is not null && S.Created && S.Members.TryGetValue(mark.UserId, out var member) && member.IsMember)
            {
                MoveDelivered(mark.UserId, mark.SortNumber);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SubscribeAsync(IGroupObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _hosts.Subscribe(observer, observer);
        return ValueTask.CompletedTask;
    }

    public ValueTask UnsubscribeAsync(IGroupObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _hosts.Unsubscribe(observer);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<MessageReceipts> GetReceiptsAsync(string requesterId, long sortNumber)
    {
        Member(Validate.Id(requesterId, "requesterId"));
        var senderId = await SenderOfAsync(requesterId, Validate.SortNumber(sortNumber, "sortNumber"));
        var recipients = Audience().Where(m => !string.Equals(m.Key, senderId, StringComparison.Ordinal)).OrderBy(m => m.Value.Order).ToList();
        return new MessageReceipts(
            _id,
            sortNumber,
            [.. recipients.Where(m => m.Value.ReadSortNumber >= sortNumber).Select(m => m.Key)],
            [.. recipients.Where(m => m.Value.ReadSortNumber < sortNumber && m.Value.DeliveredSortNumber >= sortNumber).Select(m => m.Key)],
            [.. recipients.Where(m => m.Value.DeliveredSortNumber < sortNumber).Select(m => m.Key)]);
    }

    public ValueTask<ConversationView> GetViewAsync(string memberId) => ViewAsync(Seen(memberId));

    public ValueTask<ConversationView> GetRosterViewAsync(string memberId) => GetViewAsync(memberId);

    /// <summary>The first and last sortNumber the user may read; <c>not-found</c> if they never were a member.</summary>
    private (long First, long Last) VisibleWindow(string userId)
    {
        var member = S.Members[Seen(userId)];
        var first = Math.Max(S.ReplayHistory ? 1 : member.JoinedSortNumber, member.ClearedSortNumber + 1);
        var last = member.IsMember ? long.MaxValue - 1 : member.LeftSortNumber;
        return (first, last);
    }

    /// <summary>The sender of a message the user can see; <c>not-found</c> for one outside their window or not sent yet.</summary>
    private async Task<string> SenderOfAsync(string userId, long sortNumber)
    {
        var (first, last) = VisibleWindow(userId);
        var author = sortNumber >= first && sortNumber <= Math.Min(last, _lastSortNumber) ? await messageLog.AuthorAtAsync(_id, sortNumber) : null;
        return author ?? throw new NotFoundException($"Message {sortNumber} does not exist in this conversation or is not visible to you.");
    }

    /// <summary>A current member who sees the group; <c>not-found</c> for anyone else (as if the group did not exist).</summary>
    private GroupMemberState Member(string userId) =>
        S.Created && S.Members.TryGetValue(userId, out var member) && member.IsMember && Sees(member) ? member : throw NotFound();

    /// <summary>A current member, whether they see the group or not (a target of a removal or a role change).</summary>
    private GroupMemberState Seat(string userId) =>
        S.Created && S.Members.TryGetValue(userId, out var member) && member.IsMember ? member : throw NotFound();

    /// <summary>The user if they are or were a member who sees the group: a former member keeps what they saw until they left.</summary>
    private string Seen(string userId)
    {
        Validate.Id(userId, "memberId");
        return S.Created && S.Members.TryGetValue(userId, out var member) && Sees(member) ? userId : throw NotFound();
    }

    /// <summary>
    /// Whether the member sees the group's conversation: everyone but a distribution list's recipients, who get its
    /// messages 1-1 from the sender and never learn of the list.
    /// </summary>
    private bool Sees(GroupMemberState member) => S.Type != GroupType.DistributionList || member.Role != GroupRole.Member;

    /// <summary>The current members who see the group: they get its changes and count in its cursors.</summary>
    private IEnumerable<KeyValuePair<string, GroupMemberState>> Audience() => S.Members.Where(m => m.Value.IsMember && Sees(m.Value));

    private NotFoundException NotFound() => new($"Group '{_id}' does not exist or you are not a member.");

    /// <summary>Takes a stored message as the last one and counts it as unread for every other member counted so far.</summary>
    private void Appended(Message message)
    {
        SetLast(message);
        foreach (var (userId, unread) in _unread)
        {
            if (S.Members[userId].UnreadAfter() < message.SortNumber && !string.Equals(userId, message.SenderId, StringComparison.Ordinal))
            {
                unread.Value++;
            }
        }
    }

    /// <summary>A current member's unread count, counted in the log the first time it is needed.</summary>
    private async ValueTask<int> UnreadAsync(string userId)
    {
        if (_unread.TryGetValue(userId, out var known))
        {
            return known.Value;
        }

        var member = S.Members[userId];
        if (!member.IsMember)
        {
            return 0;
        }

        var last = _lastSortNumber;
        var unread = last <= member.UnreadAfter() ? 0 : await messageLog.CountAsync(_id, member.UnreadAfter(), last, userId);
        if (_unread.TryGetValue(userId, out known))
        {
            return known.Value; // Counted meanwhile (a read, a join, or another count).
        }

        unread += await UnreadBetweenAsync(userId, last);
        _unread.Add(userId, new UnreadCount(unread));
        return unread;
    }

    /// <summary>
    /// Messages of others appended after <paramref name="countedUpTo"/> while a count of the log was running: the count
    /// stopped there, and <see cref="Appended"/> only adds to counts already held. Returns in the turn that takes it.
    /// </summary>
    private async ValueTask<int> UnreadBetweenAsync(string userId, long countedUpTo)
    {
        var unread = 0;
        while (countedUpTo < _lastSortNumber)
        {
            var last = _lastSortNumber;
            unread += await messageLog.CountAsync(_id, countedUpTo, last, userId);
            countedUpTo = last;
        }

        return unread;
    }

    /// <summary>Moves a member's delivered cursor in memory; one flush soon stores (and pushes) every receipt of the moment.</summary>
    private void MoveDelivered(string memberId, long sortNumber)
    {
        var member = S.Members[memberId];
        var upTo = Math.Min(sortNumber, _lastSortNumber);
        if (upTo > member.DeliveredSortNumber)
        {
            member.DeliveredSortNumber = upTo;
            _deliveredFlush ??= this.RegisterGrainTimer(
                FlushDeliveredAsync,
                new GrainTimerCreationOptions { DueTime = DeliveredFlushDelay, Period = Timeout.InfiniteTimeSpan });
        }
    }

    private void SetLast(Message message)
    {
        _lastSortNumber = message.SortNumber;
        _lastMessage = message;
        _updatedAt = message.CreatedAt;
    }

    /// <summary>A new message to every member: through their user grains, or once to each Api host in a broadcast group.</summary>
    private Task PublishMessageAsync(string senderId, MessageSent sent)
    {
        if (!S.Broadcast || timeProvider.GetUtcNow() < _perMemberUntil)
        {
            return PushToMembersAsync(senderId, sent, read: null);
        }

        // The sender's other devices get it from their host too; the rosters refresh theirs when they are read.
        Broadcast(sent, notTo: []);
        return Task.CompletedTask;
    }

    /// <summary>Sends a message once to every subscribed Api host, which pushes it to its connected members.</summary>
    private void Broadcast(MessageSent sent, IReadOnlyList<string> notTo)
    {
        var message = new GroupMessage(sent, notTo);
        _ = _hosts.Notify(host => host.OnGroupMessageAsync(message).AsTask());
    }

    /// <summary>
    /// Pushes every current member's view (with the event) to their user grains, and to <paramref name="alsoTo"/>
    /// (members who just left: their last view); waits only for <paramref name="caller"/>'s, whose answer depends on it.
    /// </summary>
    private Task PushToMembersAsync(string caller, MessageSent? sent, MessageRead? read, IEnumerable<string>? alsoTo = null) =>
        PushToUsersAsync(Audience().Select(m => m.Key).Concat(alsoTo ?? []), caller, sent, read);

    /// <summary>Pushes the users' views (with the event) to their user grains; waits only for <paramref name="caller"/>'s.</summary>
    private async Task PushToUsersAsync(IEnumerable<string> userIds, string caller, MessageSent? sent, MessageRead? read = null)
    {
        var floor = Floor();
        var callers = Task.CompletedTask;
        foreach (var userId in userIds)
        {
            await UnreadAsync(userId);
            var update = new ConversationUpdate(
                userId,
                View(userId, floor),
                sent,
                read is not null && !string.Equals(read.ReaderId, userId, StringComparison.Ordinal) ? read : null);
            if (string.Equals(userId, caller, StringComparison.Ordinal))
            {
                callers = _pushes.PushAndWait(update);
            }
            else
            {
                _pushes.Push(update);
            }
        }

        await callers;
    }

    private async ValueTask<ConversationView> ViewAsync(string userId)
    {
        await UnreadAsync(userId);
        return View(userId);
    }

    /// <summary>A view of a member whose unread count is held (see <see cref="UnreadAsync"/>).</summary>
    private ConversationView View(string userId) => View(userId, Floor());

    private CursorFloor Floor() => new(Audience().Select(m => (m.Key, m.Value)));

    private ConversationView View(string userId, CursorFloor floor)
    {
        var member = S.Members[userId];
        var (lastSortNumber, lastMessage) = member.IsMember || member.LeftSortNumber == _lastSortNumber
            ? (_lastSortNumber, member.ClearedSortNumber >= _lastSortNumber ? null : _lastMessage)
            : (member.LeftSortNumber, null);
        return new ConversationView(
            _id,
            _key.OrganizationId,
            CounterpartyId: null,
            lastMessage,
            lastSortNumber,
            member.IsMember && _unread.TryGetValue(userId, out var unread) ? unread.Value : 0,
            member.UnreadAfter(),
            floor.ReadExcept(userId),
            floor.DeliveredExcept(userId),
            _updatedAt,
            _lastSortNumber + S.Revision,
            ConversationKind.Group,
            S.Name,
            member.IsMember,
            S.Broadcast);
    }

    /// <summary>Stores the state with a new revision; a failed write leaves memory ahead of storage, so start over.</summary>
    private async Task WriteStateAsync()
    {
        _deliveredFlush?.Dispose();
        _deliveredFlush = null;
        S.Revision++;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception exception)
        {
            LogStateWriteFailed(logger, exception, _id);
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task FlushDeliveredAsync(CancellationToken cancellationToken)
    {
        await WriteStateAsync();
        if (!S.Broadcast)
        {
            _ = PushToMembersAsync(caller: "", sent: null, read: null);
        }
    }

    /// <summary>Held in <see cref="_unread"/> by reference, so that a message updates every count without writing the dictionary.</summary>
    private sealed class UnreadCount(int value)
    {
        public int Value { get; set; } = value;
    }

    /// <summary>
    /// The lowest read and delivered cursors among the current members other than a given one, for every member in
    /// O(1) after one pass: the lowest and the second lowest, and who holds the lowest.
    /// </summary>
    private readonly struct CursorFloor
    {
        private readonly (long Lowest, string? Holder, long Second) _read;
        private readonly (long Lowest, string? Holder, long Second) _delivered;

        public CursorFloor(IEnumerable<(string UserId, GroupMemberState Member)> members)
        {
            _read = _delivered = (long.MaxValue, null, long.MaxValue);
            foreach (var (userId, member) in members)
            {
                _read = Add(_read, userId, member.ReadSortNumber);
                _delivered = Add(_delivered, userId, member.DeliveredSortNumber);
            }
        }

        public long ReadExcept(string userId) => Except(_read, userId);

        public long DeliveredExcept(string userId) => Except(_delivered, userId);

        private static (long, string?, long) Add((long Lowest, string? Holder, long Second) floor, string userId, long value) =>
            value < floor.Lowest ? (value, userId, floor.Lowest) : (floor.Lowest, floor.Holder, Math.Min(floor.Second, value));

        private static long Except((long Lowest, string? Holder, long Second) floor, string userId)
        {
            var value = string.Equals(floor.Holder, userId, StringComparison.Ordinal) ? floor.Second : floor.Lowest;
            return value == long.MaxValue ? 0 : value;
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Group {GroupId} stored message {SortNumber} from {SenderId}")]
    private static partial void LogMessageStored(ILogger logger, string groupId, long sortNumber, string senderId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Group {GroupId} could not write its state; deactivating")]
    private static partial void LogStateWriteFailed(ILogger logger, Exception exception, string groupId);
}
