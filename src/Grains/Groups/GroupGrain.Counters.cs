using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Groups;

/// <summary>Unread counts, delivered cursors and what a member alone sees (unread marks, cleared history).</summary>
public sealed partial class GroupGrain
{
    /// <summary>
    /// Unread counts of current members (with how many are high priority), derived from the log and their read cursors: counted when first needed (a
    /// forum's activation must not count for thousands of members), then kept up to date as messages and reads come.
    /// </summary>
    private readonly Dictionary<string, UnreadCount> _unread = new(StringComparer.Ordinal);

    /// <summary>
    /// Per counted member, the users whose messages they do not receive (their privacy list), which their count leaves
    /// out: asked with their first count, forgotten when their list changes (<see cref="ForgetSilencedAsync"/>).
    /// </summary>
    private readonly Dictionary<string, HashSet<string>> _silenced = new(StringComparer.Ordinal);

    /// <summary>Grows with every <see cref="ForgetSilencedAsync"/>: an answer asked for before it is not kept.</summary>
    private long _silencedGeneration;

    /// <summary>Takes a stored message as the last one and counts it as unread for every other member counted so far (a thread reply: for no one).</summary>
    private void Appended(Message message)
    {
        SetLast(message);
        if (message.ParentSortNumber is not null)
        {
            return;
        }

        foreach (var (userId, unread) in _unread)
        {
            if (S.Members[userId].UnreadAfter() < message.SortNumber && !string.Equals(userId, message.SenderId, StringComparison.Ordinal)
                && !(_silenced.GetValueOrDefault(userId)?.Contains(message.SenderId) ?? false))
            {
                unread.Value += LogCount.One(message.Priority == MessagePriority.High);
            }
        }
    }

    /// <summary>
    /// A current member's unread count, counted in the log the first time it is needed. A roster view may ask while a
    /// send is appending, so the count stops at the last sortNumber this grain knows of and goes on past it until it
    /// has caught up (<see cref="Appended"/> only adds to counts already held); a count that another call took
    /// meanwhile wins.
    /// </summary>
    private async ValueTask<LogCount> UnreadAsync(string userId)
    {
        var member = S.Members[userId];
        if (!member.IsMember)
        {
            return default;
        }

        var (counted, unread) = (member.UnreadAfter(), default(LogCount));
        var excluded = await ExcludedAuthorsAsync(userId);
        while (true)
        {
            if (_unread.TryGetValue(userId, out var known))
            {
                return known.Value;
            }

            if (counted >= _lastSortNumber)
            {
                _unread.Add(userId, new UnreadCount(unread));
                return unread;
            }

            var last = _lastSortNumber;
            unread += await messageLog.CountAsync(_id, counted, last, excluded);
            counted = last;
        }
    }

    public async Task ForgetSilencedAsync(string userId)
    {
        if (S.Members.GetValueOrDefault(Validate.Id(userId, "userId")) is not { IsMember: true })
        {
            return;
        }

        _silencedGeneration++;
        _silenced.Remove(userId);
        _unread.Remove(userId);

        // A new revision, so that the member's roster takes the recounted view over the one it holds.
        await WriteStateAsync();
        if (!S.Broadcast)
        {
            await PushToUsersAsync([userId], userId, sent: null); // a broadcast group's entry is refreshed when the roster is read
        }
    }

    /// <summary>The member and the users whose messages the member does not receive: the authors their count leaves out.</summary>
    private async ValueTask<IReadOnlyCollection<string>> ExcludedAuthorsAsync(string userId)
    {
        HashSet<string>? silenced;
        while (!_silenced.TryGetValue(userId, out silenced))
        {
            // Roster views interleave with the change that forgets: an answer asked for before it may be stale.
            var generation = _silencedGeneration;
            var answer = (await grains.GetGrain<IUserGrain>(userId).GetSilencedAsync()).ToHashSet(StringComparer.Ordinal);
            if (generation == _silencedGeneration)
            {
                _silenced.TryAdd(userId, answer);
            }
        }

        return [userId, .. silenced];
    }

    /// <summary>Moves a member's delivered cursor in memory; one flush soon stores (and pushes) every receipt of the moment.</summary>
    private void MoveDelivered(string memberId, long sortNumber)
    {
        var member = S.Members[memberId];
        var upTo = Math.Min(sortNumber, _lastSortNumber);
        if (upTo > member.DeliveredSortNumber)
        {
            _delivered.Moved(memberId, member.DeliveredSortNumber, announce: !S.Broadcast);
            member.DeliveredSortNumber = upTo;
            _deliveredFlush ??= this.RegisterGrainTimer(
                FlushDeliveredAsync,
                new GrainTimerCreationOptions { DueTime = DeliveredFlushDelay, Period = Timeout.InfiniteTimeSpan });
        }
    }

    /// <summary>
    /// Changes what only the member sees (an unread mark, a cleared position): their unread count is counted again, the
    /// state stored, and their roster alone told; nobody else's view changes.
    /// </summary>
    private async ValueTask<ConversationView> ChangeOwnPositionAsync(string memberId, long sortNumber, Func<GroupMemberState, long, bool> change)
    {
        var member = Member(Validate.Id(memberId, "memberId"));
        if (!change(member, Validate.SortNumber(sortNumber, "sortNumber")))
        {
            return await ViewAsync(memberId);
        }

        _unread.Remove(memberId);
        Mentions.Forget(member.Mentions, member.ClearedSortNumber);
        await WriteStateAsync();
        await PushToUsersAsync([memberId], memberId, sent: null);
        return View(memberId);
    }

    /// <summary>Held in <see cref="_unread"/> by reference, so that a message updates every count without writing the dictionary.</summary>
    private sealed class UnreadCount(LogCount value)
    {
        public LogCount Value { get; set; } = value;
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
}
