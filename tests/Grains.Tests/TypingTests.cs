using System.Diagnostics;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>Typing: who hears of a start and a stop, renewals, the timeout, and who may not type or hear.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TypingTests(ClusterFixture cluster)
{
    [Fact]
    public async Task SetTyping_OneToOne_TheOtherMemberHearsTheStartAndTheStop_TheTypistNothing()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (me, them) = (users[0], users[1]);
        var conversation = cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, me, them).ToGrainKey());
        var (myEvents, theirEvents) = (await ObserveAsync(me), await ObserveAsync(them));

        await conversation.SetTypingAsync(me, typing: true);
        var started = await theirEvents.NextAsync<TypingChanged>();
        Assert.Equal((conversation.GetPrimaryKeyString(), organizationId, me, true), (started.ConversationId, started.OrganizationId, started.UserId, started.Typing));

        await conversation.SetTypingAsync(me, typing: false);
        await theirEvents.NextAsync<TypingChanged>(c => !c.Typing);
        await Task.Delay(300);
        Assert.Equal(2, theirEvents.All<TypingChanged>().Count);
        Assert.Empty(myEvents.All<TypingChanged>());
        Assert.Equal(0, await cluster.MessageLog.GetLastSequenceAsync(conversation.GetPrimaryKeyString())); // nothing stored
    }

    [Fact]
    public async Task SetTyping_RepeatedStartsAndStops_TheOthersHearEachChangeOnce()
    {
        var (organizationId, users, group) = await GroupOfAsync(3);
        var events = await ObserveAsync(users[1]);

        await group.SetTypingAsync(users[0], typing: true);
        await group.SetTypingAsync(users[0], typing: true);
        await group.SetTypingAsync(users[0], typing: true);
        await group.SetTypingAsync(users[0], typing: false);
        await group.SetTypingAsync(users[0], typing: false); // not typing: no news

        await events.NextAsync<TypingChanged>(c => !c.Typing);
        await Task.Delay(300);
        Assert.Equal([false, true], events.All<TypingChanged>().Select(c => c.Typing).Order());
        Assert.All(events.All<TypingChanged>(), c => Assert.Equal((group.GetPrimaryKeyString(), organizationId, users[0]), (c.ConversationId, c.OrganizationId, c.UserId)));
    }

    [Fact]
    public async Task SetTyping_Group_EveryOtherMemberHears_TheTypistNot()
    {
        var (_, users, group) = await GroupOfAsync(3);
        var all = await Task.WhenAll(users.Select(ObserveAsync));

        await group.SetTypingAsync(users[2], typing: true);

        await all[0].NextAsync<TypingChanged>(c => c.UserId == users[2] && c.Typing);
        await all[1].NextAsync<TypingChanged>(c => c.UserId == users[2] && c.Typing);
        await Task.Delay(300);
        Assert.Empty(all[2].All<TypingChanged>());
    }

    [Fact]
    public async Task SetTyping_NotRenewed_EndsByItselfAfterTheTimeout()
    {
        var (_, users, group) = await GroupOfAsync(2);
        var events = await ObserveAsync(users[1]);
        var clock = Stopwatch.StartNew();

        await group.SetTypingAsync(users[0], typing: true);
        var ended = await events.NextAsync<TypingChanged>(c => !c.Typing);

        Assert.InRange(clock.Elapsed, ClusterFixture.TypingTimeout - TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(4));
        var started = Assert.Single(events.All<TypingChanged>(), c => c.Typing);
        Assert.True(ended.At - started.At >= ClusterFixture.TypingTimeout - TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task SetTyping_RenewedBeforeTheTimeout_LastsATimeoutFromTheRenewal()
    {
        var (_, users, group) = await GroupOfAsync(2);
        var events = await ObserveAsync(users[1]);
        var clock = Stopwatch.StartNew();

        await group.SetTypingAsync(users[0], typing: true);
        await Task.Delay(ClusterFixture.TypingTimeout * 0.7);
        var renewedAt = clock.Elapsed;
        await group.SetTypingAsync(users[0], typing: true);
        await events.NextAsync<TypingChanged>(c => !c.Typing);

        Assert.True(clock.Elapsed >= renewedAt + ClusterFixture.TypingTimeout - TimeSpan.FromMilliseconds(50), $"ended after {clock.Elapsed}");
        Assert.Single(events.All<TypingChanged>(), c => c.Typing);
    }

    [Fact]
    public async Task SetTyping_NonMembers_AreRefused_AndNobodyHears()
    {
        var (organizationId, users, group) = await GroupOfAsync(2);
        var (_, strangers) = await cluster.OrganizationWithMembersAsync(1);
        var outsider = await cluster.CreateUserAsync();
        await cluster.GrainFactory.GetGrain<Organizations.IOrganizationGrain>(organizationId).AddMemberAsync(outsider);
        var events = await ObserveAsync(users[1]);
        var conversation = cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey());

        await Assert.ThrowsAsync<NotFoundException>(() => group.SetTypingAsync(outsider, typing: true).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => group.SetTypingAsync(strangers[0], typing: true).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SetTypingAsync(outsider, typing: true).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SetTypingAsync(strangers[0], typing: true).AsTask());

        // A 1-1 conversation in my organization with a user of another one is no conversation of theirs.
        var across = cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, users[1], strangers[0]).ToGrainKey());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => across.SetTypingAsync(strangers[0], typing: true).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => conversation.SetTypingAsync(" ", typing: true).AsTask());

        await Task.Delay(300);
        Assert.Empty(events.All<TypingChanged>());
    }

    [Fact]
    public async Task SetTyping_AMemberWhoMayNotSend_MayNotStart()
    {
        var (_, users, group) = await GroupOfAsync(3);
        var events = await ObserveAsync(users[2]);
        await group.SetPermissionsAsync(users[0], users[1], new GroupPermissions(MaySend: false));

        await Assert.ThrowsAsync<PermissionDeniedException>(() => group.SetTypingAsync(users[1], typing: true).AsTask());

        await group.SetTypingAsync(users[1], typing: false); // a stop is no news, and never refused
        await Task.Delay(300);
        Assert.Empty(events.All<TypingChanged>());
    }

    [Fact]
    public async Task SetTyping_ByADeniedUser_NeverReachesTheDenier_OthersHear()
    {
        var (organizationId, users, group) = await GroupOfAsync(3);
        var (me, them, other) = (users[0], users[1], users[2]);
        var (myEvents, otherEvents) = (await ObserveAsync(me), await ObserveAsync(other));
        await User(me).SetPrivacyListAsync(new PrivacyList("blocked", [new PrivacyItem(them, PrivacyAction.Deny)]));
        await User(me).SetActivePrivacyListAsync("blocked");
        var conversation = cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, me, them).ToGrainKey());

        await group.SetTypingAsync(them, typing: true);
        await conversation.SetTypingAsync(them, typing: true);
        await otherEvents.NextAsync<TypingChanged>(c => c.UserId == them && !c.Typing); // the group's start and its timeout

        await group.SetTypingAsync(other, typing: true);
        await myEvents.NextAsync<TypingChanged>(c => c.UserId == other);
        await Task.Delay(ClusterFixture.TypingTimeout);
        Assert.DoesNotContain(myEvents.All<TypingChanged>(), c => c.UserId == them);
    }

    private IUserGrain User(string userId) => cluster.GrainFactory.GetGrain<IUserGrain>(userId);

    private async Task<RecordingObserver> ObserveAsync(string userId)
    {
        var observer = new RecordingObserver();
        await User(userId).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(observer));
        return observer;
    }

    private async Task<(string OrganizationId, string[] Users, IGroupGrain Group)> GroupOfAsync(int members)
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(members);
        var group = cluster.GrainFactory.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey());
        await group.CreateAsync(new CreateGroupCommand(users[0], "Typists", MemberIds: users[1..]));
        return (organizationId, users, group);
    }
}
