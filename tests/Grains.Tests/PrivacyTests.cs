using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>Privacy lists: what a deny (one-way or mutual) refuses, hides and keeps from whom, and bad lists.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PrivacyTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Deny_RefusesTheDeniedUsersOneToOneSends_NotMine_UntilTheListIsNoLongerActive()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (me, them) = (users[0], users[1]);
        var conversation = Conversation(organizationId, me, them);
        await conversation.SendAsync(new SendMessageCommand(them, "before", "t-1")); // the conversation is active and knows its members

        await User(me).SetPrivacyListAsync(new PrivacyList("blocked", [new PrivacyItem(them, PrivacyAction.Deny)]));
        await conversation.SendAsync(new SendMessageCommand(them, "not active yet", "t-2"));
        await User(me).SetActivePrivacyListAsync("blocked");

        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SendAsync(new SendMessageCommand(them, "blocked", "t-3")).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SendCustomAsync(new CustomMessageCommand(them, "typing", null)).AsTask());
        await conversation.SendAsync(new SendMessageCommand(me, "one-way: I still may", "m-1"));
        Assert.Equal([them], await User(me).GetSilencedAsync());
        Assert.Empty(await User(them).GetSilencedAsync());

        await User(me).SetActivePrivacyListAsync(null);
        await conversation.SendAsync(new SendMessageCommand(them, "after", "t-4"));
        Assert.DoesNotContain((await conversation.GetHistoryAsync(new HistoryQuery(me))).Messages, m => m.Body == "blocked");
    }

    [Fact]
    public async Task MutualDeny_RefusesBothWays_AndANewConversationToo()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (me, them) = (users[0], users[1]);

        await User(me).SetPrivacyListAsync(new PrivacyList("blocked", [new PrivacyItem(them, PrivacyAction.Deny, Mutual: true)]));
        await User(me).SetActivePrivacyListAsync("blocked");

        var conversation = Conversation(organizationId, me, them); // never used before: it asks the members
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SendAsync(new SendMessageCommand(them, "no", "t-1")).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SendAsync(new SendMessageCommand(me, "no", "m-1")).AsTask());
        Assert.Equal([me], await User(them).GetSilencedAsync());

        await User(me).SetPrivacyListAsync(new PrivacyList("blocked", [new PrivacyItem(them, PrivacyAction.Allow)])); // the active list, changed
        await conversation.SendAsync(new SendMessageCommand(them, "yes", "t-2"));
        await conversation.SendAsync(new SendMessageCommand(me, "yes", "m-2"));
        Assert.Empty(await User(them).GetSilencedAsync());
    }

    [Fact]
    public async Task GroupMessage_FromADeniedMember_NeverReachesTheDenier_OthersGetIt()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(3);
        var (me, them, other) = (users[0], users[1], users[2]);
        var group = cluster.GrainFactory.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey());
        await group.CreateAsync(new CreateGroupCommand(other, "Team", MemberIds: [me, them]));
        var myEvents = new RecordingObserver();
        var otherEvents = new RecordingObserver();
        await User(me).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(myEvents));
        await User(other).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(otherEvents));
        await User(me).SetPrivacyListAsync(new PrivacyList("blocked", [new PrivacyItem(them, PrivacyAction.Deny)]));
        await User(me).SetActivePrivacyListAsync("blocked");
        Assert.Equal([them], await myEvents.NextAsync<IReadOnlyList<string>>()); // my Api hosts learn whom to leave out

        var fromThem = (await group.SendAsync(new SendMessageCommand(them, "from them", "t-1"))).Message;
        await otherEvents.NextAsync<MessageSent>(m => m.Message.Body == "from them");
        await myEvents.NextAsync<ConversationChanged>(c => c.Conversation.Id == fromThem.ConversationId && c.Conversation.LastSortNumber == fromThem.SortNumber);
        var entry = Assert.Single(await User(me).GetConversationsAsync(organizationId), e => e.Id == fromThem.ConversationId);
        Assert.NotEqual(them, entry.LastMessage?.SenderId); // their message is not my entry's preview either
        await group.SendAsync(new SendMessageCommand(other, "from other", "o-1"));

        await myEvents.NextAsync<MessageSent>(m => m.Message.Body == "from other");
        Assert.DoesNotContain(myEvents.All<MessageSent>(), m => m.Message.SenderId == them);
    }

    [Fact]
    public async Task GroupMessages_FromADeniedMember_DoNotCountAsUnread_AndCountAgainOnceAllowed()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(3);
        var (me, them, other) = (users[0], users[1], users[2]);
        var group = cluster.GrainFactory.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey());
        await group.CreateAsync(new CreateGroupCommand(other, "Team", MemberIds: [me, them]));
        await group.SendAsync(new SendMessageCommand(them, "before the block", "t-0"));
        Assert.Equal(1, (await group.GetViewAsync(me)).UnreadCount);

        await User(me).SetPrivacyListAsync(new PrivacyList("blocked", [new PrivacyItem(them, PrivacyAction.Deny)]));
        await User(me).SetActivePrivacyListAsync("blocked");
        await group.SendAsync(new SendMessageCommand(them, "blocked", "t-1"));
        await group.SendAsync(new SendMessageCommand(other, "counted", "o-1"));

        await WaitForAsync(async () => (await group.GetViewAsync(me)).UnreadCount == 1); // recounted without theirs: only "counted"
        Assert.Equal(2, (await group.GetViewAsync(other)).UnreadCount); // the others count as before
        await WaitForAsync(async () => (await User(me).GetUnreadAsync(organizationId)).UnreadCount == 1);

        await User(me).SetActivePrivacyListAsync(null);
        await WaitForAsync(async () => (await group.GetViewAsync(me)).UnreadCount == 3);
        await WaitForAsync(async () => (await User(me).GetUnreadAsync(organizationId)).UnreadCount == 3);
    }

    [Fact]
    public async Task DeniedUser_SeesMyPresenceAsUnknown_AndIsToldNoChange()
    {
        var (_, users) = await cluster.OrganizationWithMembersAsync(2);
        var (me, them) = (users[0], users[1]);
        var theirEvents = new RecordingObserver();
        await User(them).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(theirEvents));
        await User(them).SubscribeToUsersAsync([me]);

        await User(me).SetPrivacyListAsync(new PrivacyList("blocked", [new PrivacyItem(them, PrivacyAction.Deny)]));
        await User(me).SetActivePrivacyListAsync("blocked");
        await User(me).ConnectAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(new RecordingObserver()), new DevicePresence(1, 1, Version: 1));

        var seen = await User(me).GetPresenceAsync(them);
        Assert.Equal((PresenceStatus.Unknown, (long?)null), (seen.Status, seen.LastActivitySeconds));
        Assert.Equal(PresenceStatus.Unknown, Assert.Single(await User(them).GetSubscriptionsAsync()).Status);
        await Task.Delay(ClusterFixture.PresenceCoalesceWindow * 2);
        Assert.All(theirEvents.All<UserPresence>(), p => Assert.Equal(PresenceStatus.Unknown, p.Status)); // told only that it is hidden
    }

    [Fact]
    public async Task DeniedUsers_CannotAskMeToBeTheirContact()
    {
        var (_, users) = await cluster.OrganizationWithMembersAsync(3);
        var me = users[0];
        await User(me).SetPrivacyListAsync(new PrivacyList("blocked", [new PrivacyItem(users[1], PrivacyAction.Deny), new PrivacyItem(users[2], PrivacyAction.Deny)]));
        await User(me).SetActivePrivacyListAsync("blocked");
        foreach (var them in users[1..]) // two of them, so that most runs see both orders of ids (the pair's lower id coordinates)
        {
            var command = new ContactCommand(them, me, ContactAction.Request);

            await Assert.ThrowsAsync<PermissionDeniedException>(() => User(command.CoordinatorId).ChangeContactAsync(command).AsTask());

            Assert.Empty(await User(me).GetContactsAsync(null));
            Assert.Empty(await User(them).GetContactsAsync(null));
        }
    }

    [Fact]
    public async Task BadLists_AreRefused_AndChangeNothing()
    {
        var (_, users) = await cluster.OrganizationWithMembersAsync(2);
        var (me, them) = (User(users[0]), users[1]);
        await me.SetPrivacyListAsync(new PrivacyList("friends", [new PrivacyItem(them, PrivacyAction.Allow)]));

        PrivacyItem[][] bad =
        [
            [new PrivacyItem(users[0], PrivacyAction.Deny)],
            [new PrivacyItem(them, PrivacyAction.Deny), new PrivacyItem(them, PrivacyAction.Allow)],
            [new PrivacyItem(them, PrivacyAction.Allow, Mutual: true)],
            [new PrivacyItem("not an id!", PrivacyAction.Deny)],
            [.. Enumerable.Range(0, 501).Select(i => new PrivacyItem($"u{i}", PrivacyAction.Deny))],
        ];
        foreach (var items in bad)
        {
            await Assert.ThrowsAsync<InvalidArgumentException>(() => me.SetPrivacyListAsync(new PrivacyList("friends", items)).AsTask());
        }

        await Assert.ThrowsAsync<NotFoundException>(() => me.SetActivePrivacyListAsync("missing").AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => me.DeletePrivacyListAsync("missing").AsTask());
        var lists = await me.GetPrivacyListsAsync();
        Assert.Equal(("friends", false), (Assert.Single(lists).Name, lists[0].Active));
        Assert.Equal([(them, PrivacyAction.Allow)], lists[0].Items.Select(i => (i.UserId, i.Action)));
    }

    private IUserGrain User(string id) => cluster.GrainFactory.GetGrain<IUserGrain>(id);

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var started = DateTime.UtcNow; !await condition(); await Task.Delay(50))
        {
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "not within 15 s");
        }
    }

    private IConversationGrain Conversation(string organizationId, string one, string other) =>
        cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, one, other).ToGrainKey());
}
