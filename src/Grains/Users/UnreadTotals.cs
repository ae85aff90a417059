using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// A roster's unread totals per organization, kept up to date as entries change, so that every conversation change
/// can carry its organization's totals without a pass over the whole roster (a busy user has thousands of entries).
/// Muted entries (<see cref="ConversationView.MutedUntil"/> set) count only with <paramref name="countMuted"/>: the user
/// grain ends a mute in its entry once it is over, so a set end means muted here.
/// </summary>
internal sealed class UnreadTotals(bool countMuted = false)
{
    private readonly Dictionary<string, (int Unread, int PriorityUnread, int Conversations)> _byOrganization = new(StringComparer.Ordinal);

    public static UnreadTotals Of(IEnumerable<ConversationView> roster, bool countMuted)
    {
        var totals = new UnreadTotals(countMuted);
        foreach (var view in roster)
        {
            totals.Count(view, +1);
        }

        return totals;
    }

    /// <summary>Accounts for an entry going from <paramref name="before"/> to <paramref name="after"/> (null: absent).</summary>
    public void Replace(ConversationView? before, ConversationView? after)
    {
        if (before is not null)
        {
            Count(before, -1);
        }

        if (after is not null)
        {
            Count(after, +1);
        }
    }

    public UnreadSummary For(string organizationId) =>
        _byOrganization.TryGetValue(organizationId, out var totals)
            ? new UnreadSummary(organizationId, totals.Unread, totals.Conversations, totals.PriorityUnread)
            : new UnreadSummary(organizationId, 0, 0);

    private void Count(ConversationView view, int sign)
    {
        if (view.UnreadCount <= 0 || (view.MutedUntil is not null && !countMuted))
        {
            return;
        }

        var (unread, priorityUnread, conversations) = _byOrganization.GetValueOrDefault(view.OrganizationId);
        (unread, priorityUnread, conversations) = (unread + (sign * view.UnreadCount), priorityUnread + (sign * view.PriorityUnreadCount), conversations + sign);
        if (conversations == 0)
        {
            _byOrganization.Remove(view.OrganizationId);
        }
        else
        {
            _byOrganization[view.OrganizationId] = (unread, priorityUnread, conversations);
        }
    }
}
