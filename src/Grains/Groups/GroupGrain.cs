using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Groups;

/// <inheritdoc cref="IGroupGrain"/>
/// <remarks>
/// History, receipts and views here; sending in <c>GroupGrain.Sending.cs</c>; what happens to messages after they are
/// sent (edits, recalls, pins, reactions, threads, times to live) in <c>GroupGrain.Changes.cs</c>; who is a member, and how that changes, in <c>GroupGrain.Membership.cs</c>;
/// unread counts and cursors in <c>GroupGrain.Counters.cs</c>; how changes reach the members (each member's user grain,
/// or once per Api host in a broadcast group) in <c>GroupGrain.FanOut.cs</c>; distribution lists'
/// 1-1 sends in <c>GroupGrain.DistributionList.cs</c>.
/// </remarks>
[GrainType("Group")]
public sealed partial class GroupGrain(
    [PersistentState("group")] IPersistentState<GroupState> state,
    IMessageLog messageLog,
    IGrainFactory grains,
    IOptions<GroupOptions> options,
    IOptions<TypingOptions> typingOptions,
    TimeProvider timeProvider,
    ILogger<GroupGrain> logger) : Grain, IGroupGrain
{
    /// <summary>Delivered receipts are stored and pushed at most this often per group, not one write per receipt.</summary>
    private static readonly TimeSpan DeliveredFlushDelay = TimeSpan.FromSeconds(1);

    /// <summary>How many of the last messages' senders are held for delivered receipts (a second's worth in a busy group).</summary>
    private const int RecentSendersHeld = 256;

    private readonly DeliveredReceipts _delivered = new();
    private readonly RecentSenders _recentSenders = new(RecentSendersHeld);
    private IGrainTimer? _deliveredFlush;
    private GroupKey _key;
    private string _id = "";
    private long _lastSortNumber;
    private Message? _lastMessage;
    private DateTimeOffset _updatedAt;

    private GroupState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = GroupKey.Parse(this.GetPrimaryKeyString());
        _id = _key.ToGrainKey();

        // A change a crash cut short is finished first, so the last message and the counts include it.
        _changes = new MessageChanges(messageLog, _id, _ => _key.OrganizationId, new MessageSearchIndex(ServiceProvider.GetService<IMessageSearch>()));
        _threads = new MessageThreads(messageLog, _id);
        _attachments = new MessageAttachments(messageLog, grains, _id, _ => _key.OrganizationId);
        var (lastChange, lastMessage) = await _changes.ActivateAsync(cancellationToken);
        await ReconcilePinsAsync(lastChange);
        _removals = new MessageRemovals(this, this);
        _removals.Activate();
        if (lastMessage is not null)
        {
            SetLast(lastMessage);
            await _threads.RepairAsync(lastMessage);
        }

        Mentions.ForgetUnstored(S.Members.Values.Select(m => m.Mentions), _lastSortNumber);

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
            await FlushDeliveredAsync(cancellationToken);
        }
    }

    public async ValueTask<Message> GetMessageAsync(string requesterId, long sortNumber) =>
        await MessageCopies.VisibleAsync(GetHistoryAsync, requesterId, sortNumber);

    public async ValueTask<MessagePage> GetHistoryAsync(HistoryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (first, last) = VisibleWindow(Validate.Id(query.RequesterId, "requesterId"));
        var limit = Validate.Limit(query.Limit);
        var before = Math.Min(query.Before is { } b ? Validate.SortNumber(b, "before") : long.MaxValue, last + 1);
        var after = Math.Max(query.After is { } a ? Validate.SortNumber(a, "after") : 0, first - 1);
        return await messageLog.ReadPageAsync(_id, after, before, limit, query.Order, await _changes.ShownToAsync(query.RequesterId, timeProvider.GetUtcNow()));
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
        Mentions.Forget(reader.Mentions, reader.UnreadAfter());
        // No send interleaves with a read (only roster views do), so the log ends at the last sortNumber meanwhile.
        var excluded = await ExcludedAuthorsAsync(readerId);
        _unread[readerId] = new UnreadCount(upTo >= _lastSortNumber ? default : await messageLog.CountAsync(_id, upTo, _lastSortNumber, excluded));
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

        if (receipt && S.PendingRemovals.Any(p => p.DeleteOnRead))
        {
            await _removals.SweepAsync(); // what is to be deleted on read may be read by all now
        }

        return View(readerId);
    }

    public ValueTask<ConversationView> ClearHistoryAsync(string memberId, long sortNumber) =>
        ChangeOwnPositionAsync(memberId, sortNumber, (member, upTo) => member.Clear(Math.Min(upTo, _lastSortNumber)));

    public ValueTask<ConversationView> MarkUnreadAsync(string memberId, long sortNumber) =>
        ChangeOwnPositionAsync(memberId, sortNumber, (member, from) => from <= _lastSortNumber && member.MarkUnread(Math.Max(from, VisibleWindow(memberId).First)));

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

    private bool IsAudience(string userId) => S.Members.TryGetValue(userId, out var member) && member.IsMember && Sees(member);

    private NotFoundException NotFound() => new($"Group '{_id}' does not exist or you are not a member.");

    private void SetLast(Message message)
    {
        _lastSortNumber = message.SortNumber;
        _lastMessage = message.Removed is null ? message : null;
        _recentSenders.Add(message.SortNumber, message.SenderId);
        _updatedAt = message.CreatedAt;
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
        var unread = member.IsMember && _unread.TryGetValue(userId, out var held) ? held.Value : default;
        return new ConversationView(
            _id,
            _key.OrganizationId,
            CounterpartyId: null,
            lastMessage,
            lastSortNumber,
            unread.Entries,
            member.UnreadAfter(),
            floor.ReadExcept(userId),
            floor.DeliveredExcept(userId),
            _updatedAt,
            _lastSortNumber + _changes.Last + S.Revision,
            ConversationKind.Group,
            S.Name,
            member.IsMember,
            S.Broadcast,
            unread.HighPriority,
            _changes.Last,
            member.IsMember ? Mentions.Unread(member.Mentions, member.UnreadAfter()) : 0);
    }

    /// <summary>Stores the state with a new revision; a failed write leaves memory ahead of storage, so start over.</summary>
    private async Task WriteStateAsync()
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
            LogStateWriteFailed(logger, exception, _id);
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>
    /// Stores the delivered receipts taken since the last write (unless a write took them since); in a group that is not
    /// broadcast, pushes the new views, with each member's receipt to the senders of the messages it covers.
    /// </summary>
    private async Task FlushDeliveredAsync(CancellationToken cancellationToken)
    {
        _deliveredFlush?.Dispose();
        _deliveredFlush = null;
        if (_delivered.Unwritten)
        {
            await WriteStateAsync();
        }

        if (_delivered.Unannounced)
        {
            var receipts = new Dictionary<string, List<MessageDelivered>>(StringComparer.Ordinal);
            foreach (var move in _delivered.Take(m => S.Members[m].DeliveredSortNumber))
            {
                // To the senders of the messages it covers; to everyone when those are older than the grain remembers.
                var receipt = new MessageDelivered(_id, _key.OrganizationId, move.MemberId, move.UpTo);
                foreach (var senderId in _recentSenders.Between(move.After, move.UpTo) ?? Audience().Select(m => m.Key))
                {
                    if (string.Equals(senderId, move.MemberId, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    if (!receipts.TryGetValue(senderId, out var theirs))
                    {
                        receipts[senderId] = theirs = [];
                    }

                    theirs.Add(receipt);
                }
            }

            _ = PushToMembersAsync(caller: "", sent: null, read: null, delivered: receipts);
        }
    }

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Group {GroupId} could not write its state; deactivating")]
    private static partial void LogStateWriteFailed(ILogger logger, Exception exception, string groupId);
}
