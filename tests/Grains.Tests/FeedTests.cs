using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// The user feed: every change a user's devices hear of gets the next place of one per-user sequence, is stored (by
/// reference, never a body) before any device hears of it, and reads back after a sequence, oldest first.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FeedTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Feed_EachChangeHeardWithTheNextSequence_AndStoredBeforeWithoutItsBody()
    {
        var (organizationId, alice, bob) = await PairAsync();
        var events = await ObserveAsync(bob);

        var conversation = Conversation(organizationId, alice, bob);
        for (var i = 1; i <= 3; i++)
        {
            await conversation.SendAsync(new SendMessageCommand(alice, $"secret {i}", $"m-{i}"));
        }

        await conversation.MarkReadAsync(bob, 2);
        var heard = await HeardAsync(events, 4);

        Assert.Equal([1L, 2, 3, 4], heard.Select(c => c.Sequence));
        Assert.Equal([1L, 2, 3], heard.Take(3).Select(c => c.Message!.Message.SortNumber));
        Assert.Equal(2, heard[3].Conversation!.Conversation.ReadSortNumber);
        var stored = await cluster.MessageLog.ReadAsync(bob + "#feed", 0, Persistence.LogDirection.Forward, 100);
        Assert.Equal([1L, 2, 3, 4], stored.Select(e => e.Sequence));
        Assert.DoesNotContain(stored, e => e.Payload.Contains("secret", StringComparison.Ordinal));

        var page = await User(bob).ReadFeedAsync(0, 100);

        Assert.Equal([1L, 2, 3, 4], page.Entries.Select(e => e.Sequence));
        Assert.Equal([1L, 2, 3, null], page.Entries.Select(e => e.SortNumber));
        Assert.All(page.Entries, e => Assert.Equal(conversation.GetPrimaryKeyString(), e.ConversationId));
        Assert.Equal((4L, false, false), (page.Last, page.HasMore, page.SnapshotRequired));
        var entry = Assert.Single(page.Conversations);
        Assert.Equal((3L, 2L, 1), (entry.Conversation.LastSortNumber, entry.Conversation.ReadSortNumber, entry.Conversation.UnreadCount));
    }

    [Fact]
    public async Task ReadFeed_AfterASequence_OldestFirstAPageAtATime()
    {
        var (organizationId, alice, bob) = await PairAsync();
        await SendAsync(organizationId, alice, bob, 5);
        await EventuallyLastAsync(bob, 5);

        var first = await User(bob).ReadFeedAsync(1, 2);
        var second = await User(bob).ReadFeedAsync(first.Entries[^1].Sequence, 2);
        var end = await User(bob).ReadFeedAsync(5, 2);

        Assert.Equal([2L, 3], first.Entries.Select(e => e.Sequence));
        Assert.True(first.HasMore);
        Assert.Equal([4L, 5], second.Entries.Select(e => e.Sequence));
        Assert.False(second.HasMore);
        Assert.Equal((0, false, false, 5L), (end.Entries.Count, end.HasMore, end.SnapshotRequired, end.Last));
    }

    [Fact]
    public async Task ReadFeed_PastTheEndOrTooFarBehind_AsksForASnapshot()
    {
        var (organizationId, alice, bob) = await PairAsync();
        await SendAsync(organizationId, alice, bob, ClusterFixture.MaxReplay + 2);
        await EventuallyLastAsync(bob, ClusterFixture.MaxReplay + 2);

        var pastTheEnd = await User(bob).ReadFeedAsync(ClusterFixture.MaxReplay + 3, 10);
        var tooFar = await User(bob).ReadFeedAsync(1, 10);
        var justInReach = await User(bob).ReadFeedAsync(2, 10);

        Assert.Equal((true, 0, ClusterFixture.MaxReplay + 2L), (pastTheEnd.SnapshotRequired, pastTheEnd.Entries.Count, pastTheEnd.Last));
        Assert.Equal((true, 0), (tooFar.SnapshotRequired, tooFar.Entries.Count));
        Assert.Equal((false, 10), (justInReach.SnapshotRequired, justInReach.Entries.Count));
    }

    [Theory]
    [InlineData(-1, 10, "since")]
    [InlineData(0, 0, "limit")]
    [InlineData(0, 1001, "limit")]
    public async Task ReadFeed_BadArguments_InvalidArgument(long since, int limit, string parameter)
    {
        var (_, _, bob) = await PairAsync();

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => User(bob).ReadFeedAsync(since, limit).AsTask());

        Assert.Equal(parameter, error.ParameterName);
    }

    [Fact]
    public async Task Feed_ProfileContactAndSubscriptionChanges_AreOnIt()
    {
        var (_, alice, bob) = await PairAsync();
        var events = await ObserveAsync(bob);

        await User(bob).UpdateProfileAsync(new ProfileChanges(StatusText: "away", OriginSessionId: "phone"));
        var request = new ContactCommand(alice, bob, ContactAction.Request);
        await User(request.CoordinatorId).ChangeContactAsync(request);
        await User(bob).SubscribeToUsersAsync([alice]);
        var heard = await HeardAsync(events, 3);

        var page = await User(bob).ReadFeedAsync(0, 10);
        Assert.Equal(heard.Select(c => c.Sequence), page.Entries.Select(e => e.Sequence));
        Assert.Equal(("away", "phone"), (page.Entries[0].Profile!.Profile.StatusText, page.Entries[0].Profile!.OriginSessionId));
        Assert.Equal((alice, ContactChangeKind.Requested), (page.Entries[1].Contact!.ContactId, page.Entries[1].Contact!.Kind));
        Assert.Equal((bob, alice, true), (page.Entries[2].Subscription!.SubscriberId, page.Entries[2].Subscription!.UserId, page.Entries[2].Subscription!.Subscribed));
        Assert.Empty(page.Conversations);
    }

    [Fact]
    public async Task Feed_GroupMessage_OnEveryMembersFeed_MembershipAndReceiptsToo()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(3);
        var group = await cluster.GrainFactory.GetGrain<Groups.IGroupGrain>($"{organizationId}:{ClusterFixture.NewId("g")}")
            .CreateAsync(new Groups.CreateGroupCommand(users[0], "Team", Groups.GroupType.Group, [users[1], users[2]]));
        var conversation = ChatConversations.Get(cluster.GrainFactory, group.Id);
        await conversation.SendAsync(new SendMessageCommand(users[0], "hello team", "g-1"));
        await conversation.MarkReadAsync(users[1], 2);

        // The membership change (sortNumber 1), then the message, on every member's feed; the read receipt on the sender's.
        foreach (var member in users)
        {
            await EventuallyLastAsync(member, 2);
            var page = await User(member).ReadFeedAsync(0, 10);
            Assert.Equal([1L, 2], page.Entries.Select(e => e.SortNumber).OfType<long>());
            Assert.Equal(group.Id, page.Conversations.Single().Conversation.Id);
        }

        for (var attempt = 0; attempt < 100 && !(await User(users[0]).ReadFeedAsync(0, 10)).Entries.Any(e => e.Read is not null); attempt++)
        {
            await Task.Delay(50);
        }

        var read = (await User(users[0]).ReadFeedAsync(0, 10)).Entries.Single(e => e.Read is not null).Read!;
        Assert.Equal((users[1], 2L), (read.ReaderId, read.SortNumber));
    }

    private async Task<(string OrganizationId, string Alice, string Bob)> PairAsync()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        return (organizationId, users[0], users[1]);
    }

    private IUserGrain User(string userId) => cluster.GrainFactory.GetGrain<IUserGrain>(userId);

    private IConversationGrain Conversation(string organizationId, string a, string b) =>
        cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, a, b).ToGrainKey());

    private async Task SendAsync(string organizationId, string from, string to, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await Conversation(organizationId, from, to).SendAsync(new SendMessageCommand(from, $"message {i}", $"m-{i}"));
        }
    }

    /// <summary>The recipient's feed is written in the background: wait until it holds <paramref name="last"/> changes.</summary>
    private async Task EventuallyLastAsync(string userId, long last)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if ((await User(userId).ReadFeedAsync(0, 1)).Last >= last)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"The feed of {userId} never reached {last}.");
    }

    private async Task<RecordingObserver> ObserveAsync(string userId)
    {
        var events = new RecordingObserver();
        await User(userId).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(events));
        return events;
    }

    private static async Task<List<FeedChange>> HeardAsync(RecordingObserver events, int count)
    {
        for (var attempt = 0; attempt < 100 && events.All<FeedChange>().Count < count; attempt++)
        {
            await Task.Delay(50);
        }

        // One call per change: Orleans may deliver them out of order (the Api host puts them back in order).
        var heard = events.All<FeedChange>().OrderBy(c => c.Sequence).ToList();
        Assert.Equal(count, heard.Count);
        return heard;
    }
}
