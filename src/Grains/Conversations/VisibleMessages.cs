using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>Which of some messages a member's history shows: the check behind a search, the same in every kind of conversation.</summary>
internal static class VisibleMessages
{
    public const int MaxSortNumbers = 100;

    /// <summary>
    /// Each message through the conversation's own history (one log read each), so that whatever hides a message from
    /// the requester there (a delete for me, a cleared history, a group's window, a recall, an expiry) hides it here.
    /// </summary>
    public static async Task<IReadOnlyList<Message>> OfAsync(Func<HistoryQuery, ValueTask<MessagePage>> history, string requesterId, IReadOnlyList<long> sortNumbers)
    {
        Validate.Id(requesterId, "requesterId");
        ArgumentNullException.ThrowIfNull(sortNumbers);
        if (sortNumbers.Count > MaxSortNumbers)
        {
            throw new InvalidArgumentException($"At most {MaxSortNumbers} messages are checked at once.", "sortNumbers");
        }

        var visible = new List<Message>(sortNumbers.Count);
        foreach (var sortNumber in sortNumbers.Distinct())
        {
            Validate.SortNumber(sortNumber, "sortNumbers");
            var page = await history(new HistoryQuery(requesterId, Before: sortNumber + 1, After: sortNumber - 1, Limit: 1));
            visible.AddRange(page.Messages);
        }

        return visible;
    }
}
