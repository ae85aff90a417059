using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>Presence from devices and the chosen status, last activity, subscriptions and what subscribers are told.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PresenceTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Presence_FollowsTheDevicesAndTheChosenStatus_WithLastActivity()
    {
        var (_, users) = await cluster.OrganizationWithMembersAsync(2);
        var (user, viewer) = (User(users[0]), users[1]);
        var host = Observer(new RecordingObserver());

        Assert.Equal((PresenceStatus.Unavailable, (long?)null), Of(await user.GetPresenceAsync(viewer))); // never connected
        await user.ConnectAsync(host, new DevicePresence(2, 1, Version: 1));
        Assert.Equal((PresenceStatus.Available, (long?)0), Of(await user.GetPresenceAsync(viewer)));
        await user.SetPresenceStatusAsync(PresenceStatus.Dnd);
        Assert.Equal(PresenceStatus.Dnd, (await user.GetPresenceAsync(viewer)).Status);
        await user.SetPresenceStatusAsync(PresenceStatus.Available);

        await user.ConnectAsync(host, new DevicePresence(2, 0, Version: 2)); // both apps in the background
        var background = await user.GetPresenceAsync(viewer);
        Assert.Equal(PresenceStatus.Unavailable, background.Status);
        Assert.NotNull(background.LastActivitySeconds);

        await user.ConnectAsync(host, new DevicePresence(2, 2, Version: 1)); // a late report, overtaken: ignored
        Assert.Equal(PresenceStatus.Unavailable, (await user.GetPresenceAsync(viewer)).Status);

        await user.ConnectAsync(host, new DevicePresence(1, 1, Version: 3));
        await user.UnsubscribeAsync(host); // the host's last connection closed
        Assert.Equal(PresenceStatus.Unavailable, (await user.GetPresenceAsync(viewer)).Status);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => user.SetPresenceStatusAsync(PresenceStatus.Unknown).AsTask());
    }

    [Fact]
    public async Task Subscribers_GetPresenceChanges_AFlappingUserMergedIntoFew_NonSubscribersNothing()
    {
        var (_, users) = await cluster.OrganizationWithMembersAsync(3);
        var (watched, subscriber, bystander) = (User(users[0]), users[1], users[2]);
        var subscriberEvents = new RecordingObserver();
        var bystanderEvents = new RecordingObserver();
        await User(subscriber).SubscribeAsync(Observer(subscriberEvents));
        await User(bystander).SubscribeAsync(Observer(bystanderEvents));

        var presences = await User(subscriber).SubscribeToUsersAsync([users[0]]);
        Assert.Equal((users[0], PresenceStatus.Unavailable), (Assert.Single(presences).UserId, presences[0].Status));

        var host = Observer(new RecordingObserver());
        await watched.ConnectAsync(host, new DevicePresence(1, 1, Version: 1));
        Assert.Equal(PresenceStatus.Available, (await subscriberEvents.NextAsync<UserPresence>()).Status);

        // Twenty flaps within one window, ending in the background: one more event, with where it ended.
        for (var i = 0; i < 20; i++)
        {
            await watched.ConnectAsync(host, new DevicePresence(1, (i + 1) % 2, Version: 2 + i));
        }

        await Task.Delay(ClusterFixture.PresenceCoalesceWindow * 3);
        var told = subscriberEvents.All<UserPresence>();
        Assert.Equal([PresenceStatus.Available, PresenceStatus.Unavailable], told.Select(p => p.Status));
        Assert.Empty(bystanderEvents.All<UserPresence>());
    }

    [Fact]
    public async Task Subscribe_BothSidesAreTold_ListAndUnsubscribe_AndUnsubscribeAll()
    {
        var (_, users) = await cluster.OrganizationWithMembersAsync(3);
        var (me, a, b) = (User(users[0]), users[1], users[2]);
        var myEvents = new RecordingObserver();
        var aEvents = new RecordingObserver();
        await me.SubscribeAsync(Observer(myEvents));
        await User(a).SubscribeAsync(Observer(aEvents));

        await me.SubscribeToUsersAsync([a, b]);
        await me.SubscribeToUsersAsync([a]); // again: nothing new

        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), (await me.GetSubscriptionsAsync()).Select(p => p.UserId));
        var toA = await aEvents.NextAsync<SubscriptionChanged>();
        Assert.Equal((users[0], a, true), (toA.SubscriberId, toA.UserId, toA.Subscribed));
        await myEvents.NextAsync<SubscriptionChanged>(c => c.UserId == b && c.Subscribed);

        await me.UnsubscribeFromUsersAsync([a]);
        Assert.Equal([b], (await me.GetSubscriptionsAsync()).Select(p => p.UserId));
        await aEvents.NextAsync<SubscriptionChanged>(c => !c.Subscribed && c.SubscriberId == users[0]);
        Assert.Single(myEvents.All<SubscriptionChanged>(), c => c.UserId == a && c.Subscribed);

        await me.UnsubscribeFromUsersAsync(null);
        Assert.Empty(await me.GetSubscriptionsAsync());
    }

    [Fact]
    public async Task Subscribe_ToAUserOfAnotherOrganization_IsTheSameNotFoundAsAMissingOne_AndChangesNothing()
    {
        var (_, mine) = await cluster.OrganizationWithMembersAsync(2);
        var (_, theirs) = await cluster.OrganizationWithMembersAsync(1);
        var me = User(mine[0]);

        var outsider = await Assert.ThrowsAsync<NotFoundException>(() => me.SubscribeToUsersAsync([mine[1], theirs[0]]).AsTask());
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => me.SubscribeToUsersAsync([ClusterFixture.NewId("nobody")]).AsTask());

        Assert.Equal(outsider.Message, missing.Message);
        Assert.Empty(await me.GetSubscriptionsAsync()); // all or nothing: not even the visible one
        await Assert.ThrowsAsync<InvalidArgumentException>(() => me.SubscribeToUsersAsync([mine[0]]).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => me.SubscribeToUsersAsync([.. Enumerable.Range(0, 51).Select(i => $"u{i}")]).AsTask());
    }

    [Fact]
    public async Task TwoUsersSubscribingToEachOtherAtOnce_BothSucceed()
    {
        var (_, users) = await cluster.OrganizationWithMembersAsync(2);

        var both = Task.WhenAll(User(users[0]).SubscribeToUsersAsync([users[1]]).AsTask(), User(users[1]).SubscribeToUsersAsync([users[0]]).AsTask());

        Assert.Same(both, await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal([users[1]], (await User(users[0]).GetSubscriptionsAsync()).Select(p => p.UserId));
        Assert.Equal([users[0]], (await User(users[1]).GetSubscriptionsAsync()).Select(p => p.UserId));
    }

    [Fact]
    public async Task ProfileChange_ReachesSubscribers_WithoutPrivateData()
    {
        var (_, users) = await cluster.OrganizationWithMembersAsync(2);
        var subscriberEvents = new RecordingObserver();
        await User(users[1]).SubscribeAsync(Observer(subscriberEvents));
        await User(users[1]).SubscribeToUsersAsync([users[0]]);

        await User(users[0]).UpdateProfileAsync(new ProfileChanges(StatusText: "on holiday", PrivateData: new Dictionary<string, string> { ["secret"] = "x" }));

        var told = await subscriberEvents.NextAsync<ProfileUpdated>();
        Assert.Equal((users[0], "on holiday"), (told.Profile.Id, told.Profile.StatusText));
        Assert.Null(told.Profile.PrivateData);
    }

    private IUserGrain User(string id) => cluster.GrainFactory.GetGrain<IUserGrain>(id);

    private IUserObserver Observer(RecordingObserver observer) => cluster.GrainFactory.CreateObjectReference<IUserObserver>(observer);

    private static (PresenceStatus, long?) Of(UserPresence presence) => (presence.Status, presence.LastActivitySeconds);
}
