using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// Privacy lists. What the active list says is enforced where each rule is cheapest to check: a 1-1 conversation learns
/// whether one member blocks the other when it first needs its members and is told to forget it when a list changes;
/// group messages are dropped from the events this grain passes on (and by the Api hosts for broadcast groups, which
/// get the silenced set); presence is hidden by this grain. A change is stored with the users it concerns
/// (<see cref="UserState.PrivacyChangesToTell"/>), then told to them and our conversations; a crash in between is
/// finished by the next activation.
/// </summary>
public sealed partial class UserGrain
{
    internal const int MaxPrivacyLists = 20;
    internal const int MaxPrivacyItems = 500;

    /// <summary>The active list's entries by user; null until needed after a change.</summary>
    private Dictionary<string, PrivacyItem>? _activeItems;

    public ValueTask<IReadOnlyList<PrivacyList>> GetPrivacyListsAsync()
    {
        EnsureCreated();
        return ValueTask.FromResult<IReadOnlyList<PrivacyList>>(
            [.. S.PrivacyLists.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => new PrivacyList(l.Key, [.. l.Value], l.Key == S.ActivePrivacyList))]);
    }

    public async ValueTask<PrivacyList> SetPrivacyListAsync(PrivacyList list)
    {
        EnsureCreated();
        ArgumentNullException.ThrowIfNull(list);
        var name = Validate.Id(list.Name, "name");
        var me = this.GetPrimaryKeyString();
        var items = (list.Items ?? throw new InvalidArgumentException("'items' is missing.", "items")).ToList();
        if (items.Count > MaxPrivacyItems)
        {
            throw new InvalidArgumentException($"A privacy list has at most {MaxPrivacyItems} entries.", "items");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item is null || !seen.Add(Validate.Id(item.UserId, "items")) || item.UserId == me
                || !Enum.IsDefined(item.Action) || (item.Mutual && item.Action != PrivacyAction.Deny))
            {
                throw new InvalidArgumentException(
                    "Each entry names another user once, with 'allow' or 'deny'; only a deny can be mutual.", "items");
            }
        }

        if (!S.PrivacyLists.ContainsKey(name) && S.PrivacyLists.Count >= MaxPrivacyLists)
        {
            throw new ConflictException($"At most {MaxPrivacyLists} privacy lists; delete one first.");
        }

        await ChangePrivacyAsync(() => S.PrivacyLists[name] = items);
        return new PrivacyList(name, items, name == S.ActivePrivacyList);
    }

    public async ValueTask DeletePrivacyListAsync(string name)
    {
        EnsureCreated();
        Validate.Id(name, "name");
        if (!S.PrivacyLists.ContainsKey(name))
        {
            throw new NotFoundException($"You have no privacy list named '{name}'.");
        }

        await ChangePrivacyAsync(() =>
        {
            S.PrivacyLists.Remove(name);
            if (S.ActivePrivacyList == name)
            {
                S.ActivePrivacyList = null;
            }
        });
    }

    public async ValueTask SetActivePrivacyListAsync(string? name)
    {
        EnsureCreated();
        if (name is not null && !S.PrivacyLists.ContainsKey(Validate.Id(name, "name")))
        {
            throw new NotFoundException($"You have no privacy list named '{name}'.");
        }

        if (S.ActivePrivacyList != name)
        {
            await ChangePrivacyAsync(() => S.ActivePrivacyList = name);
        }
    }

    public ValueTask<IReadOnlyList<string>> GetSilencedAsync() => ValueTask.FromResult(Silenced());

    public ValueTask<bool> IsSilencingAsync(string userId) => ValueTask.FromResult(S.Created && Silences(userId));

    public async ValueTask SetMutuallyBlockedAsync(string byUserId, bool blocked)
    {
        Validate.Id(byUserId, "byUserId");
        if (!S.Created || (blocked ? !S.MutuallyBlockedBy.Add(byUserId) : !S.MutuallyBlockedBy.Remove(byUserId)))
        {
            return;
        }

        try
        {
            await WriteStateAsync();
        }
        catch (Exception)
        {
            _ = blocked ? S.MutuallyBlockedBy.Remove(byUserId) : S.MutuallyBlockedBy.Add(byUserId);
            throw;
        }

        await OnSilencingChangedAsync([byUserId]);
    }

    /// <summary>Whether I do not receive the user's messages: my active list denies them, or theirs denies me mutually.</summary>
    private bool Silences(string userId) =>
        S.MutuallyBlockedBy.Contains(userId) || ActiveItems().GetValueOrDefault(userId) is { Action: PrivacyAction.Deny };

    private IReadOnlyList<string> Silenced() =>
        [.. ActiveItems().Values.Where(i => i.Action == PrivacyAction.Deny).Select(i => i.UserId).Union(S.MutuallyBlockedBy, StringComparer.Ordinal)];

    private Dictionary<string, PrivacyItem> ActiveItems() =>
        _activeItems ??= S.ActivePrivacyList is { } active && S.PrivacyLists.TryGetValue(active, out var items)
            ? items.ToDictionary(i => i.UserId, StringComparer.Ordinal)
            : new Dictionary<string, PrivacyItem>(StringComparer.Ordinal);

    /// <summary>
    /// Applies a change to the lists: stores it with the users whose standing changed (denied or not, mutual or not),
    /// then tells them.
    /// </summary>
    private async Task ChangePrivacyAsync(Action change)
    {
        var before = ActiveItems();
        var previous = (Lists: S.PrivacyLists.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal), S.ActivePrivacyList);
        change();
        _activeItems = null;
        var after = ActiveItems();
        var concerned = before.Keys.Union(after.Keys, StringComparer.Ordinal)
            .Where(id => Standing(before, id) != Standing(after, id))
            .ToList();
        S.PrivacyChangesToTell.UnionWith(concerned);
        try
        {
            await WriteStateAsync();
        }
        catch (Exception)
        {
            (S.PrivacyLists, S.ActivePrivacyList) = (previous.Lists, previous.ActivePrivacyList);
            S.PrivacyChangesToTell.ExceptWith(concerned);
            _activeItems = null;
            throw;
        }

        await TellPrivacyChangesAsync();
    }

    private static (bool Denied, bool Mutual) Standing(Dictionary<string, PrivacyItem> items, string userId) =>
        items.GetValueOrDefault(userId) is { Action: PrivacyAction.Deny } item ? (true, item.Mutual) : (false, false);

    /// <summary>
    /// Tells each user whose standing changed: their mutual mark, our 1-1 conversations (in each of my organizations;
    /// where they are not a member the call finds nothing to forget), my devices and hosts, and my presence as they may
    /// now see it. Every step can be repeated, so a failure leaves the users marked for the next activation.
    /// </summary>
    private async Task TellPrivacyChangesAsync()
    {
        var concerned = S.PrivacyChangesToTell.ToList();
        if (concerned.Count == 0)
        {
            return;
        }

        var me = this.GetPrimaryKeyString();
        try
        {
            foreach (var userId in concerned)
            {
                await GrainFactory.GetGrain<IUserGrain>(userId).SetMutuallyBlockedAsync(me, Standing(ActiveItems(), userId).Mutual);
            }

            await OnSilencingChangedAsync(concerned);
            S.PrivacyChangesToTell.ExceptWith(concerned);
            await WriteStateAsync();
        }
        catch (Exception exception)
        {
            LogPrivacyNotTold(logger, exception, me, concerned.Count);
        }
    }

    /// <summary>
    /// After whom I do not receive from changed: our 1-1 conversations forget what they knew, my Api hosts get the
    /// new set, and those of the users who subscribed to me get my presence as they may now see it.
    /// </summary>
    private async Task OnSilencingChangedAsync(IReadOnlyList<string> userIds)
    {
        var me = this.GetPrimaryKeyString();
        foreach (var userId in userIds)
        {
            foreach (var conversationId in OneToOneConversationIds(me, userId))
            {
                await GrainFactory.GetGrain<IConversationGrain>(conversationId).ForgetMembersAsync();
            }

            if (S.Subscribers.Contains(userId))
            {
                await GrainFactory.GetGrain<IUserGrain>(userId).OnSubscribedPresenceAsync(PresenceFor(userId, timeProvider.GetUtcNow())); // one-way
            }
        }

        // My groups count my unread again without the messages of those I no longer receive from (or with them again).
        foreach (var group in _conversations.Values.Where(v => v.Kind == ConversationKind.Group && v.IsMember))
        {
            await GrainFactory.GetGrain<IGroupGrain>(group.Id).ForgetSilencedAsync(me); // one-way
        }

        var silenced = Silenced();
        await NotifyAsync(o => o.OnSilencedChangedAsync(silenced));
    }

    /// <summary>
    /// Our 1-1 conversations, whether or not they have a message yet: one in each of my organizations (where the user is
    /// not a member, it has nothing to forget), and those across organizations that my roster holds (one that is in no
    /// roster has no message yet, and asks its members on every call until it has one).
    /// </summary>
    private IEnumerable<string> OneToOneConversationIds(string me, string userId) =>
        S.Organizations.Select(organizationId => ConversationKey.For(organizationId, me, userId).ToGrainKey())
            .Union(_conversations.Values.Where(v => v.Kind == ConversationKind.Direct && v.CounterpartyId == userId).Select(v => v.Id), StringComparer.Ordinal);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "User {UserId} could not tell {Count} users of its privacy change yet; its next activation will")]
    private static partial void LogPrivacyNotTold(ILogger logger, Exception exception, string userId, int count);
}
