using System.Text.Json;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Core.Internal;
using Orleans.Runtime;

namespace Orleans.Chat.Grains.Tests;

/// <summary>Edits, recalls, deletes for me, pins and reactions: who may, what the log keeps, what members hear and catch up with.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MessageChangeTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Edit_BySender_HistoryShowsItAndTheOtherMemberHearsTheOrderedChange()
    {
        var (organizationId, alice, bob, conversation) = await DirectAsync();
        var bobEvents = await ObserveAsync(bob);
        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "helo", "c-1"))).Message;

        var edited = await conversation.EditAsync(new EditMessageCommand(alice, sent.SortNumber, "hello", [new("app", "text/plain", "x")]));

        Assert.Equal(("hello", 1L), (edited.Body, edited.ChangeNumber));
        Assert.NotNull(edited.EditedAt);
        Assert.Equal("x", Assert.Single(edited.Metadata!).Payload);
        Assert.Equal("hello", (await conversation.GetMessageAsync(bob, sent.SortNumber)).Body);
        var change = await bobEvents.NextAsync<MessageChange>();
        Assert.Equal((MessageChangeKind.Edited, 1L, sent.SortNumber, alice, "hello"), (change.Kind, change.ChangeNumber, change.SortNumber, change.ActorId, change.Message!.Body));
        var entry = await EntryAsync(bob, organizationId, sent.ConversationId, v => v.LastChangeNumber == 1);
        Assert.Equal("hello", entry.LastMessage!.Body);

        // The same text again changes nothing; an empty metadata list removes the metadata.
        Assert.Equal(1L, (await conversation.EditAsync(new EditMessageCommand(alice, sent.SortNumber, "hello"))).ChangeNumber);
        Assert.Null((await conversation.EditAsync(new EditMessageCommand(alice, sent.SortNumber, "hello", []))).Metadata);
    }

    [Fact]
    public async Task Edit_ByTheOtherMemberOrAnOutsider_IsRefusedAndNothingChanges()
    {
        var (organizationId, alice, bob, conversation) = await DirectAsync();
        var outsider = await cluster.CreateUserAsync();
        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "mine", "c-1"))).Message;

        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.EditAsync(new EditMessageCommand(bob, sent.SortNumber, "yours now")).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.EditAsync(new EditMessageCommand(outsider, sent.SortNumber, "mine now")).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => conversation.EditAsync(new EditMessageCommand(alice, 99, "nothing there")).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => conversation.EditAsync(new EditMessageCommand(alice, sent.SortNumber, " ")).AsTask());

        Assert.Equal("mine", (await conversation.GetMessageAsync(alice, sent.SortNumber)).Body);
        Assert.Equal(0, await cluster.MessageLog.GetLastSequenceAsync(sent.ConversationId + "#changes"));
    }

    [Fact]
    public async Task Recall_ErasesTheBodyFromTheLogAndTheUnreadCountsDrop()
    {
        var (organizationId, alice, bob, conversation) = await DirectAsync();
        var secret = (await conversation.SendAsync(new SendMessageCommand(alice, "the secret", "c-1", Priority: MessagePriority.High, Metadata: [new("app", "text/plain", "hidden too")]))).Message;
        await conversation.SendAsync(new SendMessageCommand(alice, "still here", "c-2"));
        Assert.Equal((2, 1), Counts(await conversation.GetViewAsync(bob)));

        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.RecallAsync(bob, secret.SortNumber).AsTask());
        var tombstone = await conversation.RecallAsync(alice, secret.SortNumber);

        Assert.Equal(("", alice, secret.SortNumber), (tombstone.Body, tombstone.Recalled!.ByUserId, tombstone.SortNumber));
        Assert.Null(tombstone.Metadata);
        var stored = (await cluster.MessageLog.ReadAsync(secret.ConversationId, 0, LogDirection.Forward, 10))[0];
        Assert.DoesNotContain("secret", stored.Payload, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden too", stored.Payload, StringComparison.Ordinal);
        Assert.False(stored.Counted);
        Assert.Equal((1, 0), Counts(await conversation.GetViewAsync(bob)));
        Assert.Equal((1, 0), Counts(await EntryAsync(bob, organizationId, secret.ConversationId, v => v.LastChangeNumber == 1)));
        Assert.Equal(new LogCount(1, 0), await cluster.MessageLog.CountAsync(secret.ConversationId, 0, 2, [bob]));

        // A tombstone is history now: it is neither edited, reacted to, pinned nor forwarded, and recalling it again changes nothing.
        await Assert.ThrowsAsync<InvalidArgumentException>(() => conversation.EditAsync(new EditMessageCommand(alice, secret.SortNumber, "again")).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => conversation.ReactAsync(bob, secret.SortNumber, "👍", add: true).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => conversation.SetPinnedAsync(bob, secret.SortNumber, pinned: true).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => conversation.PrepareForwardAsync(new ForwardCommand(bob, secret.SortNumber, secret.ConversationId, "f-1")).AsTask());
        Assert.Equal(1L, (await conversation.RecallAsync(alice, secret.SortNumber)).ChangeNumber);
    }

    [Fact]
    public async Task DeleteForMe_HidesTheMessageFromThatMemberOnly_AndOnlyTheirDevicesHear()
    {
        var (_, alice, bob, conversation) = await DirectAsync();
        var (aliceEvents, bobEvents) = (await ObserveAsync(alice), await ObserveAsync(bob));
        var first = (await conversation.SendAsync(new SendMessageCommand(alice, "one", "c-1"))).Message;
        await conversation.SendAsync(new SendMessageCommand(alice, "two", "c-2"));

        await conversation.DeleteForMeAsync(alice, first.SortNumber);
        await conversation.DeleteForMeAsync(alice, first.SortNumber); // a retry

        Assert.Equal(["two"], (await conversation.GetHistoryAsync(new HistoryQuery(alice))).Messages.Select(m => m.Body));
        Assert.Equal(["two", "one"], (await conversation.GetHistoryAsync(new HistoryQuery(bob))).Messages.Select(m => m.Body));
        await Assert.ThrowsAsync<NotFoundException>(() => conversation.GetMessageAsync(alice, first.SortNumber).AsTask());
        var deleted = await aliceEvents.NextAsync<MessageChange>();
        Assert.Equal((MessageChangeKind.DeletedForMe, null), (deleted.Kind, deleted.Message));

        // Bob's catch-up skips Alice's delete; hers shows it.
        Assert.Empty((await conversation.GetChangesAsync(new ChangesQuery(bob))).Changes);
        Assert.Equal(MessageChangeKind.DeletedForMe, Assert.Single((await conversation.GetChangesAsync(new ChangesQuery(alice))).Changes).Kind);
        await conversation.SendAsync(new SendMessageCommand(alice, "three", "c-3"));
        await bobEvents.NextAsync<ConversationChanged>(c => c.Conversation.LastSortNumber == 3);
        Assert.DoesNotContain(bobEvents.Received, e => e is MessageChange);
    }

    [Fact]
    public async Task Pins_ListMostRecentFirst_UnpinAndRecallTakeThemOff()
    {
        var (_, alice, bob, conversation) = await DirectAsync();
        for (var i = 1; i <= 3; i++)
        {
            await conversation.SendAsync(new SendMessageCommand(alice, $"m{i}", $"c-{i}"));
        }

        Assert.Equal(bob, (await conversation.SetPinnedAsync(bob, 1, pinned: true)).Pinned!.ByUserId);
        await conversation.SetPinnedAsync(alice, 3, pinned: true);
        await conversation.SetPinnedAsync(alice, 2, pinned: true);
        await conversation.SetPinnedAsync(alice, 2, pinned: true); // already pinned: no change
        Assert.Equal([2L, 3L, 1L], (await conversation.GetPinsAsync(bob)).Select(m => m.SortNumber));

        await conversation.SetPinnedAsync(bob, 3, pinned: false);
        await conversation.RecallAsync(alice, 1);
        Assert.Equal([2L], (await conversation.GetPinsAsync(alice)).Select(m => m.SortNumber));
        Assert.Equal(5, (await conversation.GetViewAsync(alice)).LastChangeNumber);
    }

    [Fact]
    public async Task Reactions_CountPerEmojiWithWhoReacted_AndARepeatChangesNothing()
    {
        var (_, alice, bob, conversation) = await DirectAsync();
        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "lunch?", "c-1"))).Message;

        await conversation.ReactAsync(alice, sent.SortNumber, "👍", add: true);
        await conversation.ReactAsync(bob, sent.SortNumber, "👍", add: true);
        await conversation.ReactAsync(bob, sent.SortNumber, "👍", add: true);
        var message = await conversation.ReactAsync(bob, sent.SortNumber, "❤️", add: true);

        Assert.Equal([("👍", 2, "alice,bob"), ("❤️", 1, "bob")], message.Reactions!.Select(r => (r.Emoji, r.Count, string.Join(",", r.UserIds.Select(u => u == alice ? "alice" : "bob")))));
        Assert.Equal(3, message.ChangeNumber);
        message = await conversation.ReactAsync(bob, sent.SortNumber, "❤️", add: false);
        Assert.Equal("👍", Assert.Single(message.Reactions!).Emoji);
        Assert.Equal(["reactionAdded", "reactionAdded", "reactionAdded", "reactionRemoved"],
            (await conversation.GetChangesAsync(new ChangesQuery(alice))).Changes.Select(c => JsonSerializer.Serialize(c.Kind, ChatJsonContext.Default.MessageChangeKind).Trim('"')));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => conversation.ReactAsync(bob, sent.SortNumber, "two words", add: true).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => conversation.ReactAsync(bob, sent.SortNumber, "", add: true).AsTask());
    }

    [Fact]
    public async Task Changes_PageInOrder_WithTheMessageAsItIsNow()
    {
        var (_, alice, bob, conversation) = await DirectAsync();
        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "v1", "c-1"))).Message;
        for (var i = 2; i <= 5; i++)
        {
            await conversation.EditAsync(new EditMessageCommand(alice, sent.SortNumber, $"v{i}"));
        }

        var first = await conversation.GetChangesAsync(new ChangesQuery(bob, After: 0, Limit: 3));
        var rest = await conversation.GetChangesAsync(new ChangesQuery(bob, After: first.Next, Limit: 3));
        var none = await conversation.GetChangesAsync(new ChangesQuery(bob, After: rest.Next));

        Assert.Equal([1L, 2L, 3L], first.Changes.Select(c => c.ChangeNumber));
        Assert.Equal((3L, true), (first.Next, first.HasMore));
        Assert.Equal([4L], rest.Changes.Select(c => c.ChangeNumber));
        Assert.Equal((4L, false), (rest.Next, rest.HasMore));
        Assert.Equal((0, 4L, false), (none.Changes.Count, none.Next, none.HasMore));
        Assert.All(first.Changes, c => Assert.Equal("v5", c.Message!.Body)); // no change keeps an old body
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.GetChangesAsync(new ChangesQuery("someone-else")).AsTask());
    }

    [Fact]
    public async Task Group_AnAdminRecallsAnyMessage_APlainMemberOnlyTheirOwn_AndLateJoinersMissOlderChanges()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(4);
        var (owner, member, other, late) = (users[0], users[1], users[2], users[3]);
        var group = cluster.GrainFactory.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey());
        await group.CreateAsync(new CreateGroupCommand(owner, "Team", MemberIds: [member, other], ReplayHistory: false));
        var fromMember = (await group.SendAsync(new SendMessageCommand(member, "oops", "c-1"))).Message;
        var fromOther = (await group.SendAsync(new SendMessageCommand(other, "mine", "c-2"))).Message;

        await Assert.ThrowsAsync<PermissionDeniedException>(() => group.RecallAsync(member, fromOther.SortNumber).AsTask());
        await group.RecallAsync(owner, fromMember.SortNumber);
        await group.AddMembersAsync(owner, [late]);
        await group.ReactAsync(other, fromOther.SortNumber, "🎉", add: true);

        Assert.Equal(2, (await group.GetChangesAsync(new ChangesQuery(other))).Changes.Count);
        Assert.Empty((await group.GetChangesAsync(new ChangesQuery(late))).Changes);
        Assert.Equal(1, (await group.GetViewAsync(owner)).UnreadCount); // "mine" only: the recalled one no longer counts
        var stranger = await cluster.CreateUserAsync();
        await Assert.ThrowsAsync<NotFoundException>(() => group.GetChangesAsync(new ChangesQuery(stranger)).AsTask());
    }

    [Fact]
    public async Task Activation_FinishesARecallThatACrashCutShort()
    {
        var (_, alice, bob, conversation) = await DirectAsync();
        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "regret", "c-1"))).Message;
        await conversation.Cast<IGrainManagementExtension>().DeactivateOnIdle();

        // The change was stored, then the process died before the message was revised.
        var at = DateTimeOffset.UtcNow;
        var change = new MessageChange(sent.ConversationId, sent.OrganizationId, 1, MessageChangeKind.Recalled, sent.SortNumber, alice, at);
        await cluster.MessageLog.AppendAsync(new LogEntry(sent.ConversationId + "#changes", 1, "change-1", null, alice, at, JsonSerializer.Serialize(change, ChatJsonContext.Default.MessageChange)));

        var message = await conversation.GetMessageAsync(bob, sent.SortNumber);

        Assert.Equal(("", 1L), (message.Body, message.ChangeNumber));
        Assert.Equal(0, (await conversation.GetViewAsync(bob)).UnreadCount);
        Assert.DoesNotContain("regret", (await cluster.MessageLog.ReadAsync(sent.ConversationId, 0, LogDirection.Forward, 1))[0].Payload, StringComparison.Ordinal);
    }

    private static (int Unread, int Priority) Counts(ConversationView view) => (view.UnreadCount, view.PriorityUnreadCount);

    private async Task<(string OrganizationId, string Alice, string Bob, IConversationGrain Conversation)> DirectAsync()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey());
        return (organizationId, users[0], users[1], conversation);
    }

    private async Task<RecordingObserver> ObserveAsync(string userId)
    {
        var events = new RecordingObserver();
        await cluster.GrainFactory.GetGrain<IUserGrain>(userId).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(events));
        return events;
    }

    /// <summary>The user's roster entry for the conversation once it matches (rosters are pushed in the background).</summary>
    private async Task<ConversationView> EntryAsync(string userId, string organizationId, string conversationId, Func<ConversationView, bool> ready)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var entry = (await cluster.GrainFactory.GetGrain<IUserGrain>(userId).GetConversationsAsync(organizationId)).SingleOrDefault(v => v.Id == conversationId);
            if (entry is not null && ready(entry))
            {
                return entry;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
