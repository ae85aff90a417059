using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>Groups and forums on the test cluster: membership in the timeline, roles, windows of history, counters.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GroupTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Create_WithMembers_CreatorOwnsAndTheAddIsTheFirstMessageInEveryRoster()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(3);
        var (owner, a, b) = (users[0], users[1], users[2]);
        var group = Group(organizationId);

        var info = await group.CreateAsync(new CreateGroupCommand(owner, " Team ", MemberIds: [a, b, a, owner]));

        Assert.Equal(("Team", GroupType.Group, true), (info.Name, info.Type, info.ReplayHistory));
        Assert.Equal([(owner, GroupRole.Owner), (a, GroupRole.Member), (b, GroupRole.Member)], info.Members.Select(m => (m.UserId, m.Role)));
        var add = Assert.Single((await group.GetHistoryAsync(new HistoryQuery(b))).Messages);
        Assert.Equal((1L, MessageType.GroupMembershipChange, owner, (string?)null), (add.SortNumber, add.Type, add.SenderId, add.RecipientId));
        Assert.Equal((MembershipAction.Add, owner), (add.Membership!.Action, add.Membership.ActorId));
        Assert.Equal([owner, a, b], add.Membership.UserIds);
        foreach (var user in users)
        {
            var entry = await EntryAsync(user, organizationId, info.Id, e => e.LastSortNumber == 1);
            Assert.Equal((ConversationKind.Group, "Team", (string?)null, 0, true), (entry.Kind, entry.Name, entry.CounterpartyId, entry.UnreadCount, entry.IsMember));
        }
    }

    [Fact]
    public async Task Send_SeveralMembers_UnreadIsWhatOthersSentAfterMyReadCursor()
    {
        var (organizationId, users, group) = await GroupOfAsync(3);
        var (owner, a, b) = (users[0], users[1], users[2]);

        await group.SendAsync(new SendMessageCommand(owner, "one", "o-1"));
        await group.SendAsync(new SendMessageCommand(owner, "two", "o-2"));
        var last = (await group.SendAsync(new SendMessageCommand(a, "three", "a-1"))).Message;

        Assert.Equal((4L, (string?)null), (last.SortNumber, last.RecipientId));
        Assert.Equal(1, (await EntryAsync(owner, organizationId, last.ConversationId, e => e.LastSortNumber == 4)).UnreadCount);
        Assert.Equal(2, (await EntryAsync(a, organizationId, last.ConversationId, e => e.LastSortNumber == 4)).UnreadCount);
        Assert.Equal(3, (await EntryAsync(b, organizationId, last.ConversationId, e => e.LastSortNumber == 4)).UnreadCount);
        Assert.Equal(new UnreadSummary(organizationId, 3, 1), await User(b).GetUnreadAsync(organizationId));

        var retry = await group.SendAsync(new SendMessageCommand(a, "three", "a-1"));
        Assert.Equal((false, last), (retry.Created, retry.Message));
    }

    [Fact]
    public async Task MarkRead_MemberReads_CountsAgainAndOthersSeeTheLowestReadCursorOfTheRest()
    {
        var (organizationId, users, group) = await GroupOfAsync(3);
        var (owner, a, b) = (users[0], users[1], users[2]);
        await group.SendAsync(new SendMessageCommand(owner, "one", "o-1"));
        await group.SendAsync(new SendMessageCommand(owner, "two", "o-2"));

        var aView = await group.MarkReadAsync(a, 2);
        Assert.Equal((2L, 1), (aView.ReadSortNumber, aView.UnreadCount));
        Assert.Equal(1L, (await group.GetViewAsync(owner)).CounterpartyReadSortNumber); // b has read only the creation.

        // The owner holds the lowest read cursor (1) but sees the lowest of the others.
        await group.MarkReadAsync(b, 3);
        Assert.Equal(2L, (await group.GetViewAsync(owner)).CounterpartyReadSortNumber);
        Assert.Equal(1L, (await group.GetViewAsync(a)).CounterpartyReadSortNumber);
        Assert.Equal(0, (await EntryAsync(b, organizationId, aView.Id, e => e.ReadSortNumber == 3)).UnreadCount);
    }

    [Fact]
    public async Task MarkUnread_InAGroup_CountsAgainForTheMemberAndOthersKeepTheirFloor()
    {
        var (organizationId, users, group) = await GroupOfAsync(3);
        var (owner, a, b) = (users[0], users[1], users[2]);
        await group.SendAsync(new SendMessageCommand(owner, "one", "o-1"));
        await group.SendAsync(new SendMessageCommand(b, "two", "b-1"));
        await group.MarkReadAsync(a, 3);
        await group.MarkReadAsync(b, 3);

        var marked = await group.MarkUnreadAsync(a, 0);
        Assert.Equal((0L, 3), (marked.ReadSortNumber, marked.UnreadCount)); // The creation, "one" and "two".
        Assert.Equal(3L, (await group.GetViewAsync(owner)).CounterpartyReadSortNumber);
        Assert.Equal(3, (await EntryAsync(a, organizationId, marked.Id, e => e.UnreadCount == 3)).UnreadCount);

        await group.SendAsync(new SendMessageCommand(owner, "three", "o-2"));
        Assert.Equal(4, (await group.GetViewAsync(a)).UnreadCount);
        Assert.Equal((4L, 0), ((await group.MarkReadAsync(a, 4)).ReadSortNumber, (await group.GetViewAsync(a)).UnreadCount));
    }

    [Fact]
    public async Task Receipts_ReadDeliveredAndPending_FromTheCursorsWithoutTheSender()
    {
        var (_, users, group) = await GroupOfAsync(5, members: 4);
        var (owner, a, b, c) = (users[0], users[1], users[2], users[3]);
        var sent = (await group.SendAsync(new SendMessageCommand(owner, "did you see this?", "o-1"))).Message;
        await group.MarkDeliveredAsync(a, sent.SortNumber);
        await group.MarkReadAsync(b, sent.SortNumber);

        var receipts = await group.GetReceiptsAsync(c, sent.SortNumber);

        Assert.Equal((sent.ConversationId, sent.SortNumber), (receipts.ConversationId, receipts.SortNumber));
        Assert.Equal([b], receipts.ReadBy);
        Assert.Equal([a], receipts.DeliveredTo);
        Assert.Equal([c], receipts.Pending);
        await Assert.ThrowsAsync<NotFoundException>(() => group.GetReceiptsAsync(users[4], sent.SortNumber).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => group.GetReceiptsAsync(c, sent.SortNumber + 1).AsTask());
    }

    [Fact]
    public async Task Roles_EachActionByEachRole_AllowedOnlyAsTheRulesSay()
    {
        var (organizationId, users, group) = await GroupOfAsync(5);
        var (owner, admin, member, other, former) = (users[0], users[1], users[2], users[3], users[4]);
        await group.RemoveMemberAsync(owner, other);
        await group.RemoveMemberAsync(owner, former);
        await group.SetRoleAsync(owner, admin, GroupRole.Admin);

        await Assert.ThrowsAsync<PermissionDeniedException>(() => group.AddMembersAsync(member, [other]).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => group.SetRoleAsync(admin, member, GroupRole.Admin).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => group.UpdateAsync(member, new GroupChanges(Name: "Mine")).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => group.SetPermissionsAsync(member, admin, new GroupPermissions()).AsTask());
        var missingGroup = Group(organizationId);
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => missingGroup.GetAsync(owner).AsTask());
        var hidden = await Assert.ThrowsAsync<NotFoundException>(() => group.GetAsync(former).AsTask());
        Assert.Equal(missing.Message.Replace(missingGroup.GetPrimaryKeyString(), "…", StringComparison.Ordinal), hidden.Message.Replace(group.GetPrimaryKeyString(), "…", StringComparison.Ordinal));
        await Assert.ThrowsAsync<NotFoundException>(() => group.SendAsync(new SendMessageCommand(former, "hi", "x-1")).AsTask());

        await group.AddMembersAsync(admin, [other]);
        await Assert.ThrowsAsync<PermissionDeniedException>(() => group.RemoveMemberAsync(other, member).AsTask());
        await group.RemoveMemberAsync(admin, other);
        await group.SetRoleAsync(owner, member, GroupRole.Admin);
        await Assert.ThrowsAsync<PermissionDeniedException>(() => group.RemoveMemberAsync(admin, member).AsTask());
        await group.RemoveMemberAsync(owner, member);

        await group.AddMembersAsync(owner, [member]);
        await group.SetPermissionsAsync(admin, member, new GroupPermissions(MaySend: false));
        await Assert.ThrowsAsync<PermissionDeniedException>(() => group.SendAsync(new SendMessageCommand(member, "hi", "m-1")).AsTask());
        await group.SetPermissionsAsync(owner, member, new GroupPermissions(MayAddMembers: true, MayEditGroup: true));
        await group.AddMembersAsync(member, [other]);
        Assert.Equal("Renamed", (await group.UpdateAsync(member, new GroupChanges(Name: "Renamed"))).Name);
        await group.SendAsync(new SendMessageCommand(member, "hi", "m-2"));
    }

    [Fact]
    public async Task SetRole_SixthAdmin_ConflictAndOwnershipHandover()
    {
        var (_, users, group) = await GroupOfAsync(8);
        var owner = users[0];
        foreach (var admin in users[1..6])
        {
            await group.SetRoleAsync(owner, admin, GroupRole.Admin);
        }

        await Assert.ThrowsAsync<ConflictException>(() => group.SetRoleAsync(owner, users[6], GroupRole.Admin).AsTask());
        var info = await group.SetRoleAsync(owner, users[7], GroupRole.Owner);
        Assert.Equal(GroupRole.Admin, info.Members.Single(m => m.UserId == owner).Role);
        Assert.Equal(GroupRole.Owner, info.Members.Single(m => m.UserId == users[7]).Role);
    }

    [Fact]
    public async Task Leave_Owner_TheLongestStandingAdminTakesOver()
    {
        var (_, users, group) = await GroupOfAsync(4);
        await group.SetRoleAsync(users[0], users[3], GroupRole.Admin);

        var info = await group.LeaveAsync(users[0]);

        Assert.DoesNotContain(info.Members, m => m.UserId == users[0]);
        Assert.Equal(GroupRole.Owner, info.Members.Single(m => m.UserId == users[3]).Role);
        var leave = (await group.GetHistoryAsync(new HistoryQuery(users[1], Limit: 1))).Messages.Single();
        Assert.Equal((MembershipAction.Leave, users[0]), (leave.Membership!.Action, leave.SenderId));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task History_NewMemberAndFormerMember_SeeTheirWindow(bool replayHistory)
    {
        var (organizationId, users, group) = await GroupOfAsync(3, replayHistory, members: 2);
        var (owner, leaver, late) = (users[0], users[1], users[2]);
        await group.SendAsync(new SendMessageCommand(owner, "before", "o-1"));       // 2
        await group.LeaveAsync(leaver);                                               // 3
        await group.SendAsync(new SendMessageCommand(owner, "after leaving", "o-2")); // 4
        await group.AddMembersAsync(owner, [late]);                                   // 5
        await group.SendAsync(new SendMessageCommand(owner, "after joining", "o-3")); // 6

        var lateSees = (await group.GetHistoryAsync(new HistoryQuery(late, Order: HistoryOrder.OldestFirst))).Messages.Select(m => m.SortNumber);
        Assert.Equal(replayHistory ? [1L, 2, 3, 4, 5, 6] : [5L, 6], lateSees);
        var leaverSees = (await group.GetHistoryAsync(new HistoryQuery(leaver, Order: HistoryOrder.OldestFirst))).Messages.Select(m => m.SortNumber);
        Assert.Equal([1L, 2, 3], leaverSees);
        await Assert.ThrowsAsync<NotFoundException>(() => group.SendAsync(new SendMessageCommand(leaver, "still here?", "l-1")).AsTask());

        var leaverEntry = await EntryAsync(leaver, organizationId, group.GetPrimaryKeyString(), e => !e.IsMember);
        Assert.Equal((3L, 0), (leaverEntry.LastSortNumber, leaverEntry.UnreadCount));
        Assert.Equal(1, (await EntryAsync(late, organizationId, group.GetPrimaryKeyString(), e => e.LastSortNumber == 6)).UnreadCount);
    }

    [Fact]
    public async Task Forum_AnyoneInTheOrganizationFindsAndJoins_OutsidersAndPrivateGroupsDoNot()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (otherOrganization, strangers) = await cluster.OrganizationWithMembersAsync(1);
        var forum = Group(organizationId);
        await forum.CreateAsync(new CreateGroupCommand(users[0], "Announcements", GroupType.Forum));

        Assert.Equal("Announcements", (await forum.GetAsync(users[1])).Name);
        var joined = await forum.JoinAsync(users[1]);
        Assert.Contains(joined.Members, m => m.UserId == users[1] && m.Role == GroupRole.Member);
        Assert.Equal(MembershipAction.Join, (await forum.GetHistoryAsync(new HistoryQuery(users[1], Limit: 1))).Messages.Single().Membership!.Action);
        await Assert.ThrowsAsync<NotFoundException>(() => forum.JoinAsync(strangers[0]).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => forum.GetAsync(strangers[0]).AsTask());

        var group = Group(organizationId);
        await group.CreateAsync(new CreateGroupCommand(users[0], "Private"));
        await Assert.ThrowsAsync<NotFoundException>(() => group.JoinAsync(users[1]).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => Group(otherOrganization).CreateAsync(new CreateGroupCommand(strangers[0], "Mixed", MemberIds: [users[0]])).AsTask());
    }

    [Fact]
    public async Task ForumDirectory_SearchByPrefixIgnoringCaseAndAccents_PagedInNameOrder()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (_, strangers) = await cluster.OrganizationWithMembersAsync(1);
        var forums = new List<IGroupGrain>();
        foreach (var name in new[] { "Émigrés", "emacs", "Zebra", "EMPTY room" })
        {
            forums.Add(Group(organizationId));
            await forums[^1].CreateAsync(new CreateGroupCommand(users[0], name, GroupType.Forum));
        }

        await Group(organizationId).CreateAsync(new CreateGroupCommand(users[0], "em, but private"));
        var directory = cluster.GrainFactory.GetGrain<IForumDirectoryGrain>(organizationId);

        var first = await directory.SearchAsync(users[1], new ForumQuery("EM", Limit: 2));
        Assert.Equal(["emacs", "Émigrés"], first.Forums.Select(f => f.Name));
        var second = await directory.SearchAsync(users[1], new ForumQuery("em", 2, first.Continuation));
        Assert.Equal(["EMPTY room"], second.Forums.Select(f => f.Name));
        Assert.Null(second.Continuation);
        Assert.Equal(4, (await directory.SearchAsync(users[1], new ForumQuery())).Forums.Count);

        await forums[2].UpdateAsync(users[0], new GroupChanges(Name: "Zulu"));
        Assert.Equal(forums[2].GetPrimaryKeyString(), Assert.Single((await directory.SearchAsync(users[1], new ForumQuery("zu"))).Forums).Id);
        await Assert.ThrowsAsync<PermissionDeniedException>(() => directory.SearchAsync(strangers[0], new ForumQuery()).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => directory.SearchAsync(users[1], new ForumQuery(Continuation: "%%%")).AsTask());
    }

    [Fact]
    public async Task DistributionList_OwnerSends_EachRecipientGetsItOnceAs1to1AndNeverSeesTheList()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(4);
        var (owner, recipients) = (users[0], users[1..]);
        var list = Group(organizationId);
        await list.CreateAsync(new CreateGroupCommand(owner, "Announcements", GroupType.DistributionList, MemberIds: recipients));

        var sent = await list.SendAsync(new SendMessageCommand(owner, "all hands at 3", "n-1"));
        var retry = await list.SendAsync(new SendMessageCommand(owner, "all hands at 3", "n-1"));

        Assert.Equal((true, false, sent.Message), (sent.Created, retry.Created, retry.Message));
        foreach (var recipient in recipients)
        {
            var direct = cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, owner, recipient).ToGrainKey());
            var message = Assert.Single((await direct.GetHistoryAsync(new HistoryQuery(recipient))).Messages);
            Assert.Equal((owner, recipient, "all hands at 3"), (message.SenderId, message.RecipientId, message.Body));
            var entry = await EntryAsync(recipient, organizationId, message.ConversationId, e => e.LastSortNumber == 1);
            Assert.Equal((ConversationKind.Direct, owner, 1), (entry.Kind, entry.CounterpartyId, entry.UnreadCount));

            // The list itself stays hidden from its recipients, who cannot send to it either.
            Assert.DoesNotContain(await User(recipient).GetConversationsAsync(organizationId), e => e.Id == sent.Message.ConversationId);
            await Assert.ThrowsAsync<NotFoundException>(() => list.GetAsync(recipient).AsTask());
            await Assert.ThrowsAsync<NotFoundException>(() => list.GetHistoryAsync(new HistoryQuery(recipient)).AsTask());
            await Assert.ThrowsAsync<NotFoundException>(() => list.SendAsync(new SendMessageCommand(recipient, "reply all", "r-1")).AsTask());
        }

        // The owner's roster holds the list, with what went out through it.
        var own = await EntryAsync(owner, organizationId, sent.Message.ConversationId, e => e.LastSortNumber == sent.Message.SortNumber);
        Assert.Equal(("Announcements", 0), (own.Name, own.UnreadCount));
        Assert.Equal(3, (await list.GetAsync(owner)).Members.Count(m => m.Role == GroupRole.Member));
    }

    [Fact]
    public async Task Counters_ConcurrentSendsReadsJoinsAndLeaves_EqualTheLogAndTheCursors()
    {
        var (organizationId, users, group) = await GroupOfAsync(6, members: 4);
        var work = new List<Task>();
        for (var i = 0; i < 3; i++)
        {
            var sender = users[i];
            work.Add(Task.Run(async () =>
            {
                for (var m = 0; m < 10; m++)
                {
                    await group.SendAsync(new SendMessageCommand(sender, $"m{m}", $"{sender}-{m}", Priority: m % 4 == 1 ? MessagePriority.High : MessagePriority.Normal));
                    if (m % 3 == 0)
                    {
                        await group.MarkReadAsync(sender, 1_000_000);
                    }
                }
            }));
        }

        work.Add(group.AddMembersAsync(users[0], [users[4], users[5]]).AsTask());
        work.Add(group.LeaveAsync(users[3]).AsTask());
        await Task.WhenAll(work);

        var history = (await group.GetHistoryAsync(new HistoryQuery(users[0], Limit: 200, Order: HistoryOrder.OldestFirst))).Messages;
        Assert.Equal(Enumerable.Range(1, history.Count).Select(n => (long)n), history.Select(m => m.SortNumber));
        foreach (var user in users.Where(u => u != users[3]))
        {
            var view = await group.GetViewAsync(user);
            var unread = history.Where(m => m.SortNumber > view.ReadSortNumber && m.SenderId != user).ToList();
            var expected = (unread.Count, unread.Count(m => m.Priority == MessagePriority.High));
            Assert.Equal(expected, (view.UnreadCount, view.PriorityUnreadCount));
            var entry = await EntryAsync(user, organizationId, view.Id, e => e.Revision >= view.Revision);
            Assert.Equal(expected, (entry.UnreadCount, entry.PriorityUnreadCount));
        }
    }

    private async Task<(string OrganizationId, string[] Users, IGroupGrain Group)> GroupOfAsync(int users, bool replayHistory = true, int? members = null)
    {
        var (organizationId, ids) = await cluster.OrganizationWithMembersAsync(users);
        var group = Group(organizationId);
        await group.CreateAsync(new CreateGroupCommand(ids[0], "Test group", MemberIds: ids[1..(members ?? users)], ReplayHistory: replayHistory));
        return (organizationId, ids, group);
    }

    private IGroupGrain Group(string organizationId) =>
        cluster.GrainFactory.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey());

    private IUserGrain User(string userId) => cluster.GrainFactory.GetGrain<IUserGrain>(userId);

    /// <summary>The user's roster entry for the conversation once it matches (the pushes to rosters are in the background).</summary>
    private async Task<ConversationView> EntryAsync(string userId, string organizationId, string conversationId, Func<ConversationView, bool> ready)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var entry = (await User(userId).GetConversationsAsync(organizationId)).FirstOrDefault(e => e.Id == conversationId);
            if (entry is not null && ready(entry))
            {
                return entry;
            }

            await Task.Delay(20, timeout.Token);
        }
    }
}
