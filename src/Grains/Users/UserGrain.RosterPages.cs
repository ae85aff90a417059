using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Text;

namespace Orleans.Chat.Grains.Users;

/// <summary>My conversations a page at a time, and hiding one from the list.</summary>
public sealed partial class UserGrain
{
    public async ValueTask<RosterPage> ListConversationsAsync(string organizationId, RosterQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        EnsureMember(organizationId);
        var limit = Validate.Limit(query.Limit);
        if (!Enum.IsDefined(query.Sort))
        {
            throw new InvalidArgumentException("'sort' must be 'recent' or 'name'.", "sort");
        }

        // The sort is part of the token, so a token cannot continue a list in another order.
        var sortPrefix = query.Sort == RosterSort.Recent ? "r:" : "n:";
        var after = query.Continuation is null ? null : ContinuationToken.Decode(query.Continuation);
        if (after is not null && !after.StartsWith(sortPrefix, StringComparison.Ordinal))
        {
            throw ContinuationToken.Invalid();
        }

        await RebuildFinishedAsync();
        await RefreshBroadcastGroupsAsync(organizationId);

        // The whole organization's entries are held in memory: the filter and sort cost no storage read.
        var entries = S.Conversations.Values
            .Where(v => string.Equals(v.OrganizationId, organizationId, StringComparison.Ordinal) && !IsHidden(v))
            .Where(v => query.UpdatedAfter is not { } since || v.UpdatedAt > since)
            .Select(v => (Key: sortPrefix + SortKey(v, query.Sort), View: v))
            .Where(e => after is null || string.CompareOrdinal(e.Key, after) > 0)
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        var page = entries.Take(limit).ToList();
        return new RosterPage(
            [.. page.Select(e => e.View)],
            entries.Count > limit ? ContinuationToken.Encode(page[^1].Key) : null);
    }

    public async ValueTask HideConversationAsync(string conversationId)
    {
        EnsureCreated();
        if (conversationId is null || !S.Conversations.TryGetValue(conversationId, out var view))
        {
            throw new NotFoundException($"Conversation '{conversationId}' is not in your list.");
        }

        S.Hidden[conversationId] = view.LastSortNumber;
        await WriteStateAsync();
    }

    /// <summary>Hidden until a message comes after the one that was last when it was hidden.</summary>
    private bool IsHidden(ConversationView view) => S.Hidden.TryGetValue(view.Id, out var upTo) && view.LastSortNumber <= upTo;

    /// <summary>
    /// Ordinal order of the key is the list's order, ties broken by id: most recent first (inverted ticks), or by name
    /// folded to lower-case ASCII (a group's name, a 1-1 counterpart's display name, else their id).
    /// </summary>
    private static string SortKey(ConversationView view, RosterSort sort) => sort == RosterSort.Recent
        ? (DateTimeOffset.MaxValue.UtcTicks - view.UpdatedAt.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + '\u0000' + view.Id
        : SearchText.Fold(view.Name ?? view.CounterpartyId ?? "") + '\u0000' + view.Id;
}
