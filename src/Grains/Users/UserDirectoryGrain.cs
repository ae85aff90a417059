using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Text;

namespace Orleans.Chat.Grains.Users;

/// <inheritdoc cref="IUserDirectoryGrain"/>
/// <remarks>
/// Like the forum directory: one grain per organization holds every listing (about a hundred bytes each) and, in memory,
/// a sorted index of each listed name folded with <see cref="SearchText.Fold"/>, so that a page costs a binary search
/// and the page. The state is written whole on every change, which suits organizations of thousands of members; much
/// larger ones would want the listings in rows of their own. The grain calls no other grain: the user grains call it,
/// also while they activate, so a call back to one of them could wait on that very activation.
/// </remarks>
[GrainType("UserDirectory")]
public sealed class UserDirectoryGrain([PersistentState("userDirectory")] IPersistentState<UserDirectoryState> state) : Grain, IUserDirectoryGrain
{
    /// <summary>Every listed name's sort key (folded name, '\0', user id), in ordinal order.</summary>
    private readonly List<string> _keys = [];

    /// <summary>Each member's sort keys, one per distinct folded name.</summary>
    private readonly Dictionary<string, string[]> _keysOf = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var listing in state.State.Users.Values)
        {
            _keysOf[listing.UserId] = SortKeys(listing);
            _keys.AddRange(_keysOf[listing.UserId]);
        }

        _keys.Sort(StringComparer.Ordinal);
        return Task.CompletedTask;
    }

    public async ValueTask PublishAsync(UserListing listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var userId = Validate.Id(listing.UserId, "userId");
        var known = state.State.Users.GetValueOrDefault(userId);
        if (known == listing)
        {
            return;
        }

        state.State.Users[userId] = listing;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception)
        {
            // Not stored, so not listed: the user grain publishes again, and must not find it here already.
            if (known is null)
            {
                state.State.Users.Remove(userId);
            }
            else
            {
                state.State.Users[userId] = known;
            }

            throw;
        }

        foreach (var key in _keysOf.GetValueOrDefault(userId) ?? [])
        {
            _keys.RemoveAt(_keys.BinarySearch(key, StringComparer.Ordinal));
        }

        _keysOf[userId] = SortKeys(listing);
        foreach (var key in _keysOf[userId])
        {
            _keys.Insert(~_keys.BinarySearch(key, StringComparer.Ordinal), key);
        }
    }

    public ValueTask<UserDirectoryPage> SearchAsync(string requesterId, UserQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Validate.Limit(query.Limit);
        var prefix = SearchText.Fold(Validate.OptionalText(query.NamePrefix, "name") ?? "");
        var after = query.Continuation is null ? null : ContinuationToken.Decode(query.Continuation);

        // Membership as this directory knows it: joining publishes the user here (again on the user's next activation
        // if a crash cut it short), and nobody leaves an organization.
        if (!_keysOf.ContainsKey(Validate.Id(requesterId, "requesterId")))
        {
            throw new PermissionDeniedException($"You are not a member of organization '{this.GetPrimaryKeyString()}'.");
        }

        var start = after is not null && string.CompareOrdinal(after, prefix) > 0 ? after : prefix;
        var at = _keys.BinarySearch(start, StringComparer.Ordinal);
        var page = new List<string>(limit);
        var last = "";
        for (var i = at < 0 ? ~at : at; i < _keys.Count && _keys[i].StartsWith(prefix, StringComparison.Ordinal); i++)
        {
            var key = _keys[i];
            var userId = key[(key.LastIndexOf('\u0000') + 1)..];
            if ((after is not null && string.CompareOrdinal(key, after) <= 0) || !string.Equals(key, FirstMatch(userId, prefix), StringComparison.Ordinal))
            {
                continue; // on an earlier page, or found under another of the member's names
            }

            if (page.Count == limit)
            {
                return ValueTask.FromResult(new UserDirectoryPage(page, ContinuationToken.Encode(last)));
            }

            page.Add(userId);
            last = key;
        }

        return ValueTask.FromResult(new UserDirectoryPage(page, Continuation: null));
    }

    /// <summary>The member's first sort key that matches: a member found under several names is listed there only.</summary>
    private string FirstMatch(string userId, string prefix) =>
        _keysOf[userId].Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Min(StringComparer.Ordinal)!;

    /// <summary>Orders by name without case or accents, then by id; an id holds no '\0', so the last one ends the name.</summary>
    private static string[] SortKeys(UserListing listing) =>
        [.. new[] { listing.DisplayName, listing.FirstName, listing.LastName }
            .OfType<string>()
            .Select(name => SearchText.Fold(name) + '\u0000' + listing.UserId)
            .Distinct(StringComparer.Ordinal)];
}
