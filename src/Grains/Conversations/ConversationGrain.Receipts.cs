using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>Delivered receipts (taken in memory, stored and announced by one flush a second) and statuses per recipient.</summary>
public sealed partial class ConversationGrain
{
    /// <summary>Delivered receipts are stored and pushed at most this often per conversation, not one write per receipt.</summary>
    private static readonly TimeSpan DeliveredFlushDelay = TimeSpan.FromSeconds(1);

    private readonly DeliveredReceipts _delivered = new();
    private IGrainTimer? _deliveredFlush;

    public async ValueTask<ConversationView> MarkDeliveredAsync(string memberId, long sortNumber)
    {
        Validate.Id(memberId, "memberId");
        CounterpartyOf(memberId);
        Validate.SortNumber(sortNumber, "sortNumber");
        await EnsureMembersAsync();

        MoveDelivered(memberId, sortNumber);
        return View(memberId);
    }

    public async ValueTask MarkDeliveredManyAsync(IReadOnlyList<DeliveredMark> marks)
    {
        ArgumentNullException.ThrowIfNull(marks);
        await EnsureMembersAsync();
        foreach (var mark in marks)
        {
            if (mark is not null && _key.Contains(mark.UserId))
            {
                MoveDelivered(mark.UserId, mark.SortNumber);
            }
        }
    }

    public async ValueTask<MessageReceipts> GetReceiptsAsync(string requesterId, long sortNumber)
    {
        CounterpartyOf(Validate.Id(requesterId, "requesterId"));
        Validate.SortNumber(sortNumber, "sortNumber");
        await EnsureMembersAsync();
        var author = sortNumber is >= 1 && sortNumber <= _lastSortNumber ? await messageLog.AuthorAtAsync(_id, sortNumber) : null;
        var sender = author ?? throw new NotFoundException($"Message {sortNumber} does not exist in this conversation.");
        var recipient = _key.CounterpartyOf(sender);
        var cursor = S.Members[recipient];
        IReadOnlyList<string> only = [recipient];
        return cursor.ReadSortNumber >= sortNumber ? new MessageReceipts(_id, sortNumber, only, [], [])
            : cursor.DeliveredSortNumber >= sortNumber ? new MessageReceipts(_id, sortNumber, [], only, [])
            : new MessageReceipts(_id, sortNumber, [], [], only);
    }

    /// <summary>
    /// Moves a member's delivered cursor (never backwards, never past the last message) in memory; one flush stores it
    /// and pushes it to the rosters with every other receipt of the next moment.
    /// </summary>
    private void MoveDelivered(string memberId, long sortNumber)
    {
        var cursor = S.Members[memberId];
        var upTo = Math.Min(sortNumber, _lastSortNumber);
        if (upTo > cursor.DeliveredSortNumber)
        {
            _delivered.Moved(memberId, cursor.DeliveredSortNumber, announce: true);
            cursor.DeliveredSortNumber = upTo;
            _deliveredFlush ??= this.RegisterGrainTimer(
                FlushDeliveredAsync,
                new GrainTimerCreationOptions { DueTime = DeliveredFlushDelay, Period = Timeout.InfiniteTimeSpan });
        }
    }

    /// <summary>
    /// Stores the delivered receipts taken since the last write (unless a write took them since), and pushes each
    /// member's receipt to the other member with their new view.
    /// </summary>
    private async Task FlushDeliveredAsync(CancellationToken cancellationToken)
    {
        _deliveredFlush?.Dispose();
        _deliveredFlush = null;
        if (_delivered.Unwritten)
        {
            await WriteStateAsync();
        }

        // A member's delivered cursor shows only in the other member's view: that one alone is pushed, with the receipt.
        foreach (var move in _delivered.Take(m => S.Members[m].DeliveredSortNumber))
        {
            var receipt = new MessageDelivered(_id, _key.OrganizationOf(move.MemberId), move.MemberId, move.UpTo);
            _pushes.Push(Update(_key.CounterpartyOf(move.MemberId), sent: null, read: null, [receipt]));
        }
    }
}
