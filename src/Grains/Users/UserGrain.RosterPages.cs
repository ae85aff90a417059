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

        if (query.Kind is { } kind && !Enum.IsDefined(kind))
        {
            throw new InvalidArgumentException("'kind' must be 'direct' or 'group'.", "kind");
        }

        var name = SearchText.Fold(Validate.OptionalText(query.NamePrefix, "name") ?? "");
        var start = after?[sortPrefix.Length..];
        if (query.Sort == RosterSort.Name && name.Length > 0 && string.CompareOrdinal(start, name) < 0)
        {
            start = name; // By name, a prefix is a seek: keys are the folded name, a separator and the id.
        }

        await RebuildFinishedAsync();
        await RefreshBroadcastGroupsAsync(organizationId);
        EndLapsedMutes();

        // From the index, in order: one entry past the page says whether another page follows.
        var entries = new List<(string Key, ConversationView View)>(limit + 1);
        foreach (var key in _index.After(organizationId, query.Sort, start))
        {
            var view = _conversations[RosterIndex.IdOf(key)];
            if (name.Length > 0 && !RosterIndex.Key(view, RosterSort.Name).StartsWith(name, StringComparison.Ordinal))
            {
                if (query.Sort == RosterSort.Name)
                {
                    break; // Past the names with the prefix.
                }

                continue;
            }

            if (query.Kind is { } only && view.Kind != only)
            {
                continue;
            }

            if (query.UpdatedAfter is { } since && view.UpdatedAt <= since)
            {
                if (query.Sort == RosterSort.Recent)
                {
                    break; // Most recent first: the rest are older still.
                }

                continue;
            }

            if (!IsHidden(view))
            {
                entries.Add((key, view));
                if (entries.Count > limit)
                {
                    break;
                }
            }
        }

        var page = entries.Take(limit).ToList();
        return new RosterPage(
            [.. page.Select(e => e.View)],
            entries.Count > limit ? ContinuationToken.Encode(sortPrefix + page[^1].Key) : null);
    }

    public async ValueTask HideConversationAsync(string conversationId)
    {
        EnsureCreated();
        if (conversationId is null || !_conversations.TryGetValue(conversationId, out var view))
        {
            throw new NotFoundException($"Conversation '{conversationId}' is not in your list.");
        }

        var hiddenBefore = _hidden.TryGetValue(conversationId, out var upTo) ? upTo : (long?)null;
        _hidden[conversationId] = view.LastSortNumber;
        try
        {
            await StoreRosterRowsAsync([conversationId]);
        }
        catch (Exception)
        {
            if (hiddenBefore is { } before)
            {
                _hidden[conversationId] = before;
            }
            else
            {
                _hidden.Remove(conversationId);
            }

            throw;
        }
    }

    /// <summary>Hidden until a message comes after the one that was last when it was hidden.</summary>
    private bool IsHidden(ConversationView view) => _hidden.TryGetValue(view.Id, out var upTo) && view.LastSortNumber <= upTo;
}
