using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Text;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Groups;

/// <inheritdoc cref="IForumDirectoryGrain"/>
/// <remarks>
/// One grain per organization holds every listing (a few hundred bytes each, so tens of thousands of forums fit) and
/// an index by folded name built on the first search after a change; a page costs a binary search and the page.
/// </remarks>
[GrainType("ForumDirectory")]
public sealed class ForumDirectoryGrain(
    [PersistentState("forums")] IPersistentState<ForumDirectoryState> state,
    IGrainFactory grains) : Grain, IForumDirectoryGrain
{
    /// <summary>Listings by <see cref="SortKey"/>; null until a search needs it after a change.</summary>
    private SortedList<string, ForumListing>? _index;

    public async ValueTask PublishAsync(ForumListing listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        if (state.State.Forums.TryGetValue(listing.GroupId, out var known) && known == listing)
        {
            return;
        }

        state.State.Forums[listing.GroupId] = listing;
        await state.WriteStateAsync();
        _index = null;
    }

    public async ValueTask<ForumPage> SearchAsync(string requesterId, ForumQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var organizationId = this.GetPrimaryKeyString();
        var limit = Validate.Limit(query.Limit);
        var prefix = SearchText.Fold(Validate.OptionalText(query.NamePrefix, "name") ?? "");
        var after = query.Continuation is null ? null : ContinuationToken.Decode(query.Continuation);
        if (!await grains.GetGrain<IUserGrain>(Validate.Id(requesterId, "requesterId")).IsMemberOfAsync(organizationId))
        {
            throw new PermissionDeniedException($"You are not a member of organization '{organizationId}'.");
        }

        var index = _index ??= new SortedList<string, ForumListing>(
            state.State.Forums.Values.ToDictionary(SortKey), StringComparer.Ordinal);
        var keys = index.Keys;
        var page = new List<ForumListing>(limit);
        for (var i = FirstAtOrAfter(keys, after is not null && string.CompareOrdinal(after, prefix) > 0 ? after : prefix); i < keys.Count; i++)
        {
            if (!keys[i].StartsWith(prefix, StringComparison.Ordinal))
            {
                break;
            }

            if (after is not null && string.CompareOrdinal(keys[i], after) <= 0)
            {
                continue;
            }

            if (page.Count == limit)
            {
                return new ForumPage(page, ContinuationToken.Encode(SortKey(page[^1])));
            }

            page.Add(index.Values[i]);
        }

        return new ForumPage(page, Continuation: null);
    }

    /// <summary>Orders by name without case or accents, then by id: unique, and the continuation of a page.</summary>
    private static string SortKey(ForumListing listing) => SearchText.Fold(listing.Name) + '\u0000' + listing.GroupId;

    private static int FirstAtOrAfter(IList<string> keys, string value)
    {
        var (low, high) = (0, keys.Count);
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (string.CompareOrdinal(keys[middle], value) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
