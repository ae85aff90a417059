using System.Threading.Channels;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// Groups past <see cref="GroupLimits.BroadcastAbove"/> members: each message goes once to every subscribed host instead
/// of to each member's user grain, and rosters derive the counts from the group's cursors when they are read.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BroadcastGroupTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Send_PastTheLimit_HostsGetEachMessageOnceAndMembersUserGrainsNone()
    {
        var (organizationId, users, group) = await ForumOfAsync(GroupLimits.BroadcastAbove + 1);
        var (owner, reader) = (users[0], users[^1]);
        Assert.True((await group.GetViewAsync(reader)).Broadcast);
        await EntryAsync(reader, organizationId, group, e => e.Broadcast);
        var host = new RecordingHost();
        await group.SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IGroupObserver>(host));
        var readerEvents = new RecordingObserver();
        await User(reader).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(readerEvents));

        var sent = new List<Message>();
        for (var i = 0; i < 3; i++)
        {
            sent.Add((await group.SendAsync(new SendMessageCommand(owner, $"m{i}", $"c{i}", "owner-phone"))).Message);
        }

        // One-way calls may overtake each other; devices order messages by sortNumber.
        var broadcasts = await host.TakeAsync(3);
        Assert.Equal(sent, broadcasts.Select(b => b.Sent.Message).OrderBy(m => m.SortNumber));
        Assert.All(broadcasts, b => Assert.Equal(("owner-phone", 0), (b.Sent.OriginSessionId, b.NotTo.Count)));
        await Task.Delay(300);
        Assert.Empty(readerEvents.Received);
        Assert.Equal(0, host.Pending);

        // The roster asks the group when it is read.
        var entry = await EntryAsync(reader, organizationId, group);
        Assert.Equal((sent[^1].SortNumber, 3, sent[^1].Body), (entry.LastSortNumber, entry.UnreadCount, entry.LastMessage?.Body));
        Assert.Equal(new UnreadSummary(organizationId, 3, 1), await User(reader).GetUnreadAsync(organizationId));
    }

    [Fact]
    public async Task SendCustom_BroadcastGroup_HostsGetItOnceAndNoUserGrainNorTheLog()
    {
        var (_, users, group) = await ForumOfAsync(GroupLimits.BroadcastAbove + 1);
        var host = new RecordingHost();
        await group.SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IGroupObserver>(host));
        var readerEvents = new RecordingObserver();
        await User(users[^1]).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(readerEvents));
        var lastSortNumber = await cluster.MessageLog.GetLastSequenceAsync(group.GetPrimaryKeyString());

        var custom = await group.SendCustomAsync(new CustomMessageCommand(users[0], "poll-opened", "Lunch?", OriginSessionId: "owner-phone"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Equal(new CustomMessageSent(custom, "owner-phone"), await host.Customs.Reader.ReadAsync(timeout.Token)); // no metadata: records compare by value
        await Task.Delay(300);
        Assert.Equal(0, host.Customs.Reader.Count);
        Assert.Empty(readerEvents.Received);
        Assert.Equal(lastSortNumber, await cluster.MessageLog.GetLastSequenceAsync(group.GetPrimaryKeyString()));
    }

    [Fact]
    public async Task SetTyping_BroadcastGroup_HostsGetTheStartOnceAndNoUserGrain()
    {
        var (_, users, group) = await ForumOfAsync(GroupLimits.BroadcastAbove + 1);
        var host = new RecordingHost();
        await group.SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IGroupObserver>(host));
        var readerEvents = new RecordingObserver();
        await User(users[^1]).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(readerEvents));

        await group.SetTypingAsync(users[1], typing: true);
        await group.SetTypingAsync(users[1], typing: true);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var changed = await host.Typings.Reader.ReadAsync(timeout.Token);
        Assert.Equal((group.GetPrimaryKeyString(), users[1], true), (changed.ConversationId, changed.UserId, changed.Typing));
        await Task.Delay(300);
        Assert.Equal(0, host.Typings.Reader.Count); // the renewal is no news
        Assert.Empty(readerEvents.Received);
    }

    [Fact]
    public async Task Join_BroadcastGroup_TheJoinerHearsFromTheirRosterAndEveryoneElseFromTheirHost()
    {
        var (organizationId, users, group) = await ForumOfAsync(GroupLimits.BroadcastAbove + 1);
        var joiner = await cluster.CreateUserAsync();
        await cluster.GrainFactory.GetGrain<Organizations.IOrganizationGrain>(organizationId).AddMemberAsync(joiner);
        var host = new RecordingHost();
        await group.SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IGroupObserver>(host));
        var joinerEvents = new RecordingObserver();
        await User(joiner).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(joinerEvents));

        await group.JoinAsync(joiner);

        var broadcast = Assert.Single(await host.TakeAsync(1));
        Assert.Equal(MembershipAction.Join, broadcast.Sent.Message.Membership!.Action);
        Assert.Equal([joiner], broadcast.NotTo);
        var change = await joinerEvents.NextAsync<ConversationChanged>();
        Assert.Equal((group.GetPrimaryKeyString(), true, true), (change.Conversation.Id, change.Conversation.Broadcast, change.Conversation.IsMember));
        Assert.Equal([group.GetPrimaryKeyString()], (await User(joiner).GetBroadcastGroupsAsync()).Select(v => v.Id));
        Assert.Equal(0, host.Pending);
    }

    [Fact]
    public async Task Leave_BelowTheLowerLimit_EveryRosterHearsAndMessagesGoToUserGrainsAgain()
    {
        var (organizationId, users, group) = await ForumOfAsync(GroupLimits.BroadcastAbove + 1);
        var stayer = users[1];
        var leavers = users.Skip(2).Take(users.Length - GroupLimits.BroadcastBelow + 1).ToList();
        foreach (var leaver in leavers[..^1])
        {
            await group.LeaveAsync(leaver);
        }

        Assert.True((await group.GetViewAsync(stayer)).Broadcast); // Still at the lower limit.
        var stayerEvents = new RecordingObserver();
        await User(stayer).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(stayerEvents));

        await group.LeaveAsync(leavers[^1]);
        await stayerEvents.NextAsync<ConversationChanged>(c => !c.Conversation.Broadcast);
        Assert.Equal(GroupLimits.BroadcastBelow - 1, (await group.GetAsync(stayer)).Members.Count);
        Assert.Empty(await User(stayer).GetBroadcastGroupsAsync());

        var message = (await group.SendAsync(new SendMessageCommand(users[0], "back to rosters", "c1"))).Message;
        var pushed = await stayerEvents.NextAsync<MessageSent>(m => m.Message.Id == message.Id);
        Assert.Equal("back to rosters", pushed.Message.Body);
    }

    [Fact]
    public async Task MarkDeliveredMany_MembersAndStrangers_OnlyMembersCursorsMoveAndReceiptsShowThem()
    {
        var (_, users, group) = await ForumOfAsync(GroupLimits.BroadcastAbove + 1);
        var message = (await group.SendAsync(new SendMessageCommand(users[0], "hello", "c1"))).Message;

        await group.MarkDeliveredManyAsync([new DeliveredMark(users[1], message.SortNumber), new DeliveredMark(users[2], 1_000), new DeliveredMark("stranger", message.SortNumber)]);
        await group.MarkReadAsync(users[3], message.SortNumber);

        var receipts = await group.GetReceiptsAsync(users[0], message.SortNumber);
        Assert.Equal([users[3]], receipts.ReadBy);
        Assert.Equal([users[1], users[2]], receipts.DeliveredTo);
        Assert.Equal(users.Length - 4, receipts.Pending.Count);
    }

    [Fact]
    public async Task Counters_ConcurrentSendsReadsAndJoinsInABroadcastGroup_EqualTheLogAndTheCursors()
    {
        var (organizationId, users, group) = await ForumOfAsync(GroupLimits.BroadcastAbove + 1);
        var joiners = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var joiner = await cluster.CreateUserAsync();
            await cluster.GrainFactory.GetGrain<Organizations.IOrganizationGrain>(organizationId).AddMemberAsync(joiner);
            joiners.Add(joiner);
        }

        // Some counts are held before the burst (asked for), the rest are counted in the log during or after it.
        foreach (var user in users.Take(5))
        {
            await group.GetViewAsync(user);
        }

        var work = users.Take(4).Select((sender, s) => Task.Run(async () =>
        {
            for (var m = 0; m < 10; m++)
            {
                await group.SendAsync(new SendMessageCommand(sender, $"m{m}", $"{sender}-{m}", Priority: m % 3 == 0 ? MessagePriority.High : MessagePriority.Normal));
                if (m % 4 == s % 4)
                {
                    await group.MarkReadAsync(sender, 1_000_000);
                }
            }
        })).ToList();
        work.AddRange(joiners.Select(j => group.JoinAsync(j).AsTask()));
        work.AddRange(users.Skip(10).Take(20).Select(u => group.GetRosterViewAsync(u).AsTask()));
        await Task.WhenAll(work);

        var history = (await group.GetHistoryAsync(new HistoryQuery(users[0], Limit: 200, Order: HistoryOrder.OldestFirst))).Messages;
        Assert.Equal(Enumerable.Range(1, history.Count).Select(n => (long)n), history.Select(m => m.SortNumber));
        foreach (var user in users.Take(30).Concat(joiners))
        {
            var view = await group.GetViewAsync(user);
            var unread = history.Where(m => m.SortNumber > view.ReadSortNumber && m.SenderId != user).ToList();
            var expected = (unread.Count, unread.Count(m => m.Priority == MessagePriority.High));
            Assert.Equal(expected, (view.UnreadCount, view.PriorityUnreadCount));
            var entry = await EntryAsync(user, organizationId, group);
            Assert.Equal(expected, (entry.UnreadCount, entry.PriorityUnreadCount));
        }
    }

    /// <summary>An organization of <paramref name="members"/> users who are all in one new forum (the first owns it).</summary>
    private async Task<(string OrganizationId, string[] Users, IGroupGrain Group)> ForumOfAsync(int members)
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(members);
        var group = cluster.GrainFactory.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey());
        await group.CreateAsync(new CreateGroupCommand(users[0], "Everyone", GroupType.Forum, MemberIds: users[1..GroupLimits.MaxMembersPerCall]));
        foreach (var chunk in users[GroupLimits.MaxMembersPerCall..].Chunk(GroupLimits.MaxMembersPerCall))
        {
            await group.AddMembersAsync(users[0], chunk);
        }

        return (organizationId, users, group);
    }

    private IUserGrain User(string userId) => cluster.GrainFactory.GetGrain<IUserGrain>(userId);

    /// <summary>The user's entry for the group once their roster has it (and it is <paramref name="ready"/>): the group's pushes to rosters are in the background.</summary>
    private async Task<ConversationView> EntryAsync(string userId, string organizationId, IGroupGrain group, Func<ConversationView, bool>? ready = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            var entry = (await User(userId).GetConversationsAsync(organizationId)).SingleOrDefault(e => e.Id == group.GetPrimaryKeyString());
            if (entry is not null && (ready?.Invoke(entry) ?? true))
            {
                return entry;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>Stands in for an Api host subscribed to a broadcast group.</summary>
    private sealed class RecordingHost : IGroupObserver
    {
        private readonly Channel<GroupMessage> _messages = Channel.CreateUnbounded<GroupMessage>();

        public int Pending => _messages.Reader.Count;

        public ValueTask OnGroupMessageAsync(GroupMessage message) => _messages.Writer.WriteAsync(message);

        public Channel<CustomMessageSent> Customs { get; } = Channel.CreateUnbounded<CustomMessageSent>();

        public ValueTask OnCustomMessageAsync(CustomMessageSent sent) => Customs.Writer.WriteAsync(sent);

        public Channel<GroupMessageChange> Changes { get; } = Channel.CreateUnbounded<GroupMessageChange>();

        public ValueTask OnMessageChangeAsync(GroupMessageChange change) => Changes.Writer.WriteAsync(change);

        public Channel<TypingChanged> Typings { get; } = Channel.CreateUnbounded<TypingChanged>();

        public ValueTask OnTypingChangedAsync(TypingChanged changed) => Typings.Writer.WriteAsync(changed);

        public async Task<List<GroupMessage>> TakeAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var taken = new List<GroupMessage>();
            while (taken.Count < count)
            {
                taken.Add(await _messages.Reader.ReadAsync(timeout.Token));
            }

            return taken;
        }
    }
}
