using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Tests;

/// <summary>Threads (replies, summaries, read markers, no main unread) and mentions (parsed, named, counted, forgotten).</summary>
[Collection(ClusterCollection.Name)]
public sealed class ThreadAndMentionTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Replies_GoToTheThread_TheParentCountsThem_AndTheyRaiseNoUnreadCount()
    {
        var (owner, member, group) = await GroupAsync();
        var parent = (await group.SendAsync(new SendMessageCommand(owner, "lunch?", "p-1"))).Message;
        await group.MarkReadAsync(member, parent.SortNumber);

        var first = (await group.SendAsync(new SendMessageCommand(member, "yes", "r-1", ParentSortNumber: parent.SortNumber))).Message;
        var second = (await group.SendAsync(new SendMessageCommand(owner, "12:30", "r-2", ParentSortNumber: parent.SortNumber))).Message;

        Assert.Equal(parent.SortNumber, first.ParentSortNumber);
        Assert.Equal(0, (await group.GetViewAsync(member)).UnreadCount);
        Assert.Equal(0, (await group.GetViewAsync(owner)).UnreadCount);
        Assert.Equal(new LogCount(0, 0), await cluster.MessageLog.CountAsync(group.GetPrimaryKeyString(), parent.SortNumber, second.SortNumber, excludedAuthorIds: null));

        var page = await group.GetThreadAsync(new ThreadQuery(member, parent.SortNumber));
        Assert.Equal(new MessageThread(2, second.SortNumber, owner, second.CreatedAt), page.Parent.Thread);
        Assert.Equal(["yes", "12:30"], page.Replies.Select(r => r.Body));
        Assert.Equal((false, 0L), (page.HasMore, page.ReadSortNumber));
        var rest = await group.GetThreadAsync(new ThreadQuery(member, parent.SortNumber, After: first.SortNumber, Limit: 1));
        Assert.Equal("12:30", Assert.Single(rest.Replies).Body);
        Assert.Equal(2, (await group.GetMessageAsync(owner, parent.SortNumber)).Thread!.ReplyCount);

        Assert.Equal(second.SortNumber, await group.MarkThreadReadAsync(member, parent.SortNumber, second.SortNumber));
        Assert.Equal(second.SortNumber, await group.MarkThreadReadAsync(member, parent.SortNumber, first.SortNumber)); // never back
        Assert.Equal(second.SortNumber, (await group.GetThreadAsync(new ThreadQuery(member, parent.SortNumber))).ReadSortNumber);
    }

    [Fact]
    public async Task Replies_NeedALiveParent_NotAReplyOrARecalledOne()
    {
        var (owner, member, group) = await GroupAsync();
        var parent = (await group.SendAsync(new SendMessageCommand(owner, "topic", "p-1"))).Message;
        var reply = (await group.SendAsync(new SendMessageCommand(member, "reply", "r-1", ParentSortNumber: parent.SortNumber))).Message;
        var recalled = (await group.SendAsync(new SendMessageCommand(owner, "oops", "p-2"))).Message;
        await group.RecallAsync(owner, recalled.SortNumber);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => group.SendAsync(new SendMessageCommand(member, "nested", "r-2", ParentSortNumber: reply.SortNumber)).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => group.SendAsync(new SendMessageCommand(member, "to a tombstone", "r-3", ParentSortNumber: recalled.SortNumber)).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => group.SendAsync(new SendMessageCommand(member, "to nothing", "r-4", ParentSortNumber: 999)).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => group.GetThreadAsync(new ThreadQuery(member, reply.SortNumber)).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => group.MarkThreadReadAsync(member, parent.SortNumber, recalled.SortNumber).AsTask());
    }

    [Fact]
    public async Task Mentions_FromTheBodyAndTheList_CountUntilRead_AndARecallTakesThemBack()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(4);
        var (owner, bob, carol, outsider) = (users[0], users[1], users[2], users[3]);
        var group = cluster.GrainFactory.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey());
        await group.CreateAsync(new CreateGroupCommand(owner, "Team", MemberIds: [bob, carol]));

        var first = (await group.SendAsync(new SendMessageCommand(owner, $"@{bob}, see @{outsider} and @{owner}.", "m-1"))).Message;
        var second = (await group.SendAsync(new SendMessageCommand(owner, $"and you @{bob}.", "m-2", Mentions: [carol]))).Message;

        Assert.Equal([bob], first.Mentions!); // an outsider and the sender are not mentioned
        Assert.Equal([carol, bob], second.Mentions!);
        Assert.Equal((2, 1, 0), (await MentionsAsync(group, bob), await MentionsAsync(group, carol), await MentionsAsync(group, owner)));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => group.SendAsync(new SendMessageCommand(owner, "x", "m-3", Mentions: [outsider])).AsTask());

        await group.MarkReadAsync(bob, first.SortNumber);
        await group.RecallAsync(owner, second.SortNumber);

        Assert.Equal((0, 0), (await MentionsAsync(group, bob), await MentionsAsync(group, carol)));
    }

    [Fact]
    public async Task Mentions_OneToOne_CountForTheRecipient()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey());

        var sent = (await conversation.SendAsync(new SendMessageCommand(users[0], $"hey @{users[1]}", "m-1"))).Message;

        Assert.Equal(1, (await conversation.GetViewAsync(users[1])).MentionUnreadCount);
        await conversation.MarkReadAsync(users[1], sent.SortNumber);
        Assert.Equal(0, (await conversation.GetViewAsync(users[1])).MentionUnreadCount);
    }

    private static async Task<int> MentionsAsync(IGroupGrain group, string userId) => (await group.GetViewAsync(userId)).MentionUnreadCount;

    private async Task<(string Owner, string Member, IGroupGrain Group)> GroupAsync()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var group = cluster.GrainFactory.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey());
        await group.CreateAsync(new CreateGroupCommand(users[0], "Team", MemberIds: [users[1]]));
        return (users[0], users[1], group);
    }
}
