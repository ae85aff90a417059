using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// Subscriptions to other users' presence and profile. Both sides store their half: the subscriber its subscriptions,
/// the user its subscribers (whom it publishes to). The user's half is written first, answering whether the two share
/// an organization; a subscriber's half lost to a crash leaves a subscriber the user still publishes to, which the
/// subscriber answers by removing itself (see <see cref="OnSubscribedPresenceAsync"/>).
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>At most this many subscriptions per user.</summary>
    internal const int MaxSubscriptions = 1_000;

    /// <summary>At most this many users in one subscribe call.</summary>
    internal const int MaxUsersPerCall = 50;

    public async ValueTask<IReadOnlyList<UserPresence>> SubscribeToUsersAsync(IReadOnlyList<string> userIds)
    {
        EnsureCreated();
        var me = this.GetPrimaryKeyString();
        var ids = UserIds(userIds);
        if (ids.Contains(me, StringComparer.Ordinal))
        {
            throw new InvalidArgumentException("You cannot subscribe to yourself.", "userIds");
        }

        var added = ids.Where(id => !S.Subscriptions.Contains(id)).ToList();
        if (S.Subscriptions.Count + added.Count > MaxSubscriptions)
        {
            throw new ConflictException($"At most {MaxSubscriptions} subscriptions; unsubscribe from someone first.");
        }

        var organizations = S.Organizations.ToList();
        var answers = ids.Select(id => (Id: id, Presence: GrainFactory.GetGrain<IUserGrain>(id).AddSubscriberAsync(me, organizations).AsTask())).ToList();
        try
        {
            await Task.WhenAll(answers.Select(a => a.Presence));
        }
        catch (Exception)
        {
            // All or nothing: the users who took the new subscription give it up again.
            foreach (var (id, presence) in answers.Where(a => a.Presence.IsCompletedSuccessfully && added.Contains(a.Id)))
            {
                await TryRemoveSubscriberAsync(id, me);
            }

            throw;
        }

        S.Subscriptions.UnionWith(added);
        try
        {
            await WriteStateAsync();
        }
        catch (Exception)
        {
            S.Subscriptions.ExceptWith(added);
            throw;
        }

        var now = timeProvider.GetUtcNow();
        foreach (var id in added)
        {
            var change = new SubscriptionChanged(me, id, Subscribed: true, now);
            Feed(new FeedChange(0, Subscription: change));
        }

        return [.. answers.Select(a => a.Presence.Result)];
    }

    public async ValueTask UnsubscribeFromUsersAsync(IReadOnlyList<string>? userIds)
    {
        EnsureCreated();
        var me = this.GetPrimaryKeyString();
        var removed = (userIds is null ? [.. S.Subscriptions] : UserIds(userIds)).Where(S.Subscriptions.Contains).ToList();
        if (removed.Count == 0)
        {
            return;
        }

        S.Subscriptions.ExceptWith(removed);
        await WriteStateAsync();
        var now = timeProvider.GetUtcNow();
        foreach (var id in removed)
        {
            await TryRemoveSubscriberAsync(id, me);
            var change = new SubscriptionChanged(me, id, Subscribed: false, now);
            Feed(new FeedChange(0, Subscription: change));
        }
    }

    public async ValueTask<IReadOnlyList<UserPresence>> GetSubscriptionsAsync()
    {
        EnsureCreated();
        var me = this.GetPrimaryKeyString();
        return await Task.WhenAll(S.Subscriptions.Order(StringComparer.Ordinal).Select(id => GrainFactory.GetGrain<IUserGrain>(id).GetPresenceAsync(me).AsTask()));
    }

    public async ValueTask<UserPresence> AddSubscriberAsync(string subscriberId, IReadOnlyList<string> subscriberOrganizations)
    {
        Validate.Id(subscriberId, "subscriberId");
        ArgumentNullException.ThrowIfNull(subscriberOrganizations);
        if (!S.Created || !S.Organizations.Intersect(subscriberOrganizations, StringComparer.Ordinal).Any())
        {
            throw new NotFoundException("No user you can see matches.");
        }

        if (S.Subscribers.Add(subscriberId))
        {
            try
            {
                await WriteStateAsync();
            }
            catch (Exception)
            {
                S.Subscribers.Remove(subscriberId);
                throw;
            }

            var change = new SubscriptionChanged(subscriberId, this.GetPrimaryKeyString(), Subscribed: true, timeProvider.GetUtcNow());
            Feed(new FeedChange(0, Subscription: change));
        }

        return PresenceFor(subscriberId, timeProvider.GetUtcNow());
    }

    public async ValueTask RemoveSubscriberAsync(string subscriberId)
    {
        if (S.Subscribers.Remove(subscriberId))
        {
            await WriteStateAsync();
            var change = new SubscriptionChanged(subscriberId, this.GetPrimaryKeyString(), Subscribed: false, timeProvider.GetUtcNow());
            Feed(new FeedChange(0, Subscription: change));
        }
    }

    public async ValueTask OnSubscribedPresenceAsync(UserPresence presence)
    {
        ArgumentNullException.ThrowIfNull(presence);
        if (await IsSubscribedToAsync(presence.UserId))
        {
            await NotifyAsync(o => o.OnPresenceChangedAsync(presence));
        }
    }

    public async ValueTask OnSubscribedProfileAsync(UserProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (await IsSubscribedToAsync(profile.Id))
        {
            // As a lookup would show it: the organizations we share, never the private data.
            var shown = profile with { Organizations = [.. profile.Organizations.Intersect(S.Organizations, StringComparer.Ordinal)], PrivateData = null };
            Feed(new FeedChange(0, Profile: new ProfileUpdated(shown, OriginSessionId: null)));
        }
    }

    /// <summary>Tells my subscribers (but those who may not see me) that my public profile changed.</summary>
    private async Task PublishProfileAsync(UserProfile profile)
    {
        var shown = profile with { PrivateData = null };
        foreach (var subscriber in S.Subscribers)
        {
            if (!Silences(subscriber))
            {
                await GrainFactory.GetGrain<IUserGrain>(subscriber).OnSubscribedProfileAsync(shown); // one-way: does not wait
            }
        }
    }

    /// <summary>Whether I am subscribed to the user; if not, a subscription I gave up (or never finished) is removed on their side.</summary>
    private async Task<bool> IsSubscribedToAsync(string userId)
    {
        if (S.Subscriptions.Contains(userId))
        {
            return true;
        }

        await TryRemoveSubscriberAsync(userId, this.GetPrimaryKeyString());
        return false;
    }

    /// <summary>Removes me from a user's subscribers; a failure is left for the next presence they send me to repair.</summary>
    private async Task TryRemoveSubscriberAsync(string userId, string me)
    {
        try
        {
            await GrainFactory.GetGrain<IUserGrain>(userId).RemoveSubscriberAsync(me);
        }
        catch (Exception exception)
        {
            LogSubscriberNotRemoved(logger, exception, userId, me);
        }
    }

    /// <summary>1 to <see cref="MaxUsersPerCall"/> valid user ids, each once.</summary>
    private static List<string> UserIds(IReadOnlyList<string>? userIds)
    {
        var ids = (userIds ?? throw new InvalidArgumentException("'userIds' is missing.", "userIds"))
            .Select(id => Validate.Id(id, "userIds")).Distinct(StringComparer.Ordinal).ToList();
        return ids.Count is > 0 and <= MaxUsersPerCall ? ids
            : throw new InvalidArgumentException($"'userIds' names 1 to {MaxUsersPerCall} users.", "userIds");
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Warning, Message = "Could not remove subscriber {SubscriberId} from user {UserId}")]
    private static partial void LogSubscriberNotRemoved(ILogger logger, Exception exception, string userId, string subscriberId);
}
