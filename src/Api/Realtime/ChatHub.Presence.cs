using Orleans.Chat.Api.Auth;
using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>Presence, subscriptions and privacy lists over the hub (the REST routes of PresenceApi and PrivacyApi).</summary>
public sealed partial class ChatHub
{
    /// <summary>This device is in the foreground (true, as it connects) or the background; my presence follows my devices.</summary>
    public Task SetActive(bool active) => connections.SetActiveAsync(CallerId, Context.ConnectionId, active);

    /// <summary>Chooses my status: AVAILABLE (follow my devices), DND or UNAVAILABLE (appear away).</summary>
    public async Task<UserPresence> SetPresence(PresenceStatus status) =>
        await grains.GetGrain<IUserGrain>(CallerId).SetPresenceStatusAsync(status);

    /// <summary>The presence of up to 50 users I can see (the others are left out).</summary>
    public Task<IReadOnlyList<UserPresence>> GetPresence(IReadOnlyList<string> userIds) =>
        PresenceApi.GetPresencesAsync(grains, CallerId, UsersApi.UserIds(userIds));

    /// <summary>Subscribes me to up to 50 users' presence and profile changes; returns their presence.</summary>
    public async Task<IReadOnlyList<UserPresence>> Subscribe(IReadOnlyList<string> userIds) =>
        await grains.GetGrain<IUserGrain>(CallerId).SubscribeToUsersAsync(userIds ?? throw new InvalidArgumentException("'userIds' is missing.", "userIds"));

    public async Task Unsubscribe(IReadOnlyList<string> userIds) =>
        await grains.GetGrain<IUserGrain>(CallerId).UnsubscribeFromUsersAsync(userIds ?? throw new InvalidArgumentException("'userIds' is missing.", "userIds"));

    public async Task UnsubscribeAll() => await grains.GetGrain<IUserGrain>(CallerId).UnsubscribeFromUsersAsync(null);

    /// <summary>The users I am subscribed to, with their presence.</summary>
    public async Task<IReadOnlyList<UserPresence>> GetSubscriptions() => await grains.GetGrain<IUserGrain>(CallerId).GetSubscriptionsAsync();

    public async Task<IReadOnlyList<PrivacyList>> GetPrivacyLists() => await grains.GetGrain<IUserGrain>(CallerId).GetPrivacyListsAsync();

    /// <summary>Creates or replaces one of my privacy lists.</summary>
    public async Task<PrivacyList> SetPrivacyList(string name, IReadOnlyList<PrivacyItem> items) =>
        await grains.GetGrain<IUserGrain>(CallerId).SetPrivacyListAsync(new PrivacyList(name, items ?? throw new InvalidArgumentException("'items' is missing.", "items")));

    public async Task DeletePrivacyList(string name) => await grains.GetGrain<IUserGrain>(CallerId).DeletePrivacyListAsync(name);

    /// <summary>Makes one of my privacy lists the active one, or (null) none.</summary>
    public async Task SetActivePrivacyList(string? name) => await grains.GetGrain<IUserGrain>(CallerId).SetActivePrivacyListAsync(name);
}
