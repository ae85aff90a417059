using System.Globalization;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Text;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// The roster's entries of each organization in the orders of the list (most recent first, by name), kept sorted as
/// entries change, so that a page of my conversations costs a seek and the page rather than a sort of the roster.
/// A key is the entry's sort value and its conversation id, so keys are unique and the id can be read back.
/// </summary>
internal sealed class RosterIndex
{
    /// <summary>Orders after every key: keys hold ASCII digits, folded ASCII text, ids and a NUL separator.</summary>
    private const string End = "\uffff";

    private readonly Dictionary<(string OrganizationId, RosterSort Sort), SortedSet<string>> _keys = [];

    public static RosterIndex Of(IEnumerable<ConversationView> roster)
    {
        var index = new RosterIndex();
        foreach (var view in roster)
        {
            index.Replace(null, view);
        }

        return index;
    }

    /// <summary>
    /// An entry's key in the order: most recent first (ticks counted down from the end of time), or by name folded to
    /// lower-case ASCII (a group's name, a 1-1 counterpart's display name, else their id); ties broken by id.
    /// </summary>
    public static string Key(ConversationView view, RosterSort sort) => sort == RosterSort.Recent
        ? (DateTimeOffset.MaxValue.UtcTicks - view.UpdatedAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + '\u0000' + view.Id
        : SearchText.Fold(view.Name ?? view.CounterpartyId ?? "") + '\u0000' + view.Id;

    public static string IdOf(string key) => key[(key.LastIndexOf('\u0000') + 1)..];

    /// <summary>Accounts for an entry going from <paramref name="before"/> to <paramref name="after"/> (null: absent).</summary>
    public void Replace(ConversationView? before, ConversationView? after)
    {
        foreach (var sort in Enum.GetValues<RosterSort>())
        {
            if (before is not null && _keys.TryGetValue((before.OrganizationId, sort), out var keys))
            {
                keys.Remove(Key(before, sort));
            }

            if (after is not null)
            {
                if (!_keys.TryGetValue((after.OrganizationId, sort), out keys))
                {
                    keys = new SortedSet<string>(StringComparer.Ordinal);
                    _keys[(after.OrganizationId, sort)] = keys;
                }

                keys.Add(Key(after, sort));
            }
        }
    }

    /// <summary>The organization's keys in the order, from just after <paramref name="after"/> (the start when null).</summary>
    public IEnumerable<string> After(string organizationId, RosterSort sort, string? after)
    {
        if (!_keys.TryGetValue((organizationId, sort), out var keys) || keys.Count == 0 || string.CompareOrdinal(after, End) >= 0)
        {
            return []; // Nothing, or a token past every key this server gives.
        }

        return after is null ? keys : keys.GetViewBetween(after, End).SkipWhile(key => string.Equals(key, after, StringComparison.Ordinal));
    }
}
