using System.Text.Json;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ConversationTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Send_FirstMessage_StoresInLogAndUpdatesBothRosters()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var conversation = Conversation(organizationId, alice, bob);

        var result = await conversation.SendAsync(new SendMessageCommand(alice, "hello", "c-1"));

        Assert.True(result.Created);
        var message = result.Message;
        Assert.Equal((1L, alice, bob, "hello", "c-1", organizationId), (message.SortNumber, message.SenderId, message.RecipientId, message.Body, message.ClientMessageId, message.OrganizationId));
        Assert.Equal(ConversationKey.For(organizationId, alice, bob).ToGrainKey(), message.ConversationId);
        Assert.Equal(1, await cluster.MessageLog.GetLastSequenceAsync(message.ConversationId));

        var bobEntry = Assert.Single(await User(bob).GetConversationsAsync(organizationId));
        Assert.Equal((message.ConversationId, alice, 1, message), (bobEntry.Id, bobEntry.CounterpartyId, bobEntry.UnreadCount, bobEntry.LastMessage));
        Assert.Equal(new UnreadSummary(organizationId, 1, 1), await User(bob).GetUnreadAsync(organizationId));
        var aliceEntry = Assert.Single(await User(alice).GetConversationsAsync(organizationId));
        Assert.Equal((bob, 0), (aliceEntry.CounterpartyId, aliceEntry.UnreadCount));
        Assert.Equal(new UnreadSummary(organizationId, 0, 0), await User(alice).GetUnreadAsync(organizationId));
    }

    [Fact]
    public async Task Receipts_OneToOne_TheRecipientMovesFromPendingToDeliveredToRead()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = Conversation(organizationId, users[0], users[1]);
        var sortNumber = (await conversation.SendAsync(new SendMessageCommand(users[0], "hi", "r-1"))).Message.SortNumber;

        Assert.Equal([users[1]], (await conversation.GetReceiptsAsync(users[0], sortNumber)).Pending);
        await conversation.MarkDeliveredAsync(users[1], sortNumber);
        Assert.Equal([users[1]], (await conversation.GetReceiptsAsync(users[0], sortNumber)).DeliveredTo);
        await conversation.MarkReadAsync(users[1], sortNumber);
        Assert.Equal([users[1]], (await conversation.GetReceiptsAsync(users[1], sortNumber)).ReadBy);
        await Assert.ThrowsAsync<NotFoundException>(() => conversation.GetReceiptsAsync(users[0], sortNumber + 1).AsTask());
    }

    [Fact]
    public async Task Send_RetrySameClientMessageId_ReturnsStoredMessageAndStoresOnce()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = Conversation(organizationId, users[0], users[1]);

        var first = await conversation.SendAsync(new SendMessageCommand(users[0], "once", "retry-1"));
        var retry = await conversation.SendAsync(new SendMessageCommand(users[0], "once (edited by a buggy client)", "retry-1"));

        Assert.True(first.Created);
        Assert.False(retry.Created);
        Assert.Equal(first.Message, retry.Message);
        Assert.Equal(1, await cluster.MessageLog.GetLastSequenceAsync(first.Message.ConversationId));
        Assert.Equal(1, (await User(users[1]).GetUnreadAsync(organizationId)).UnreadCount);
    }

    [Fact]
    public async Task Send_BothMembersUseSameClientMessageId_StoresTwoMessages()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = Conversation(organizationId, users[0], users[1]);

        var fromAlice = await conversation.SendAsync(new SendMessageCommand(users[0], "hi", "1"));
        var fromBob = await conversation.SendAsync(new SendMessageCommand(users[1], "hi", "1"));

        Assert.True(fromBob.Created);
        Assert.Equal(2, fromBob.Message.SortNumber);
        Assert.NotEqual(fromAlice.Message.Id, fromBob.Message.Id);
    }

    [Fact]
    public async Task Send_RecipientNotInOrganization_ThrowsPermissionDeniedAndStoresNothing()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(1);
        var outsider = await cluster.CreateUserAsync();
        var conversation = Conversation(organizationId, users[0], outsider);

        await Assert.ThrowsAsync<PermissionDeniedException>(async () => await conversation.SendAsync(new SendMessageCommand(users[0], "hi", "c")));
        Assert.Equal(0, await cluster.MessageLog.GetLastSequenceAsync(ConversationKey.For(organizationId, users[0], outsider).ToGrainKey()));
    }

    [Fact]
    public async Task Send_SenderInOtherOrganizationOnly_ThrowsPermissionDenied()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(1);
        var (_, others) = await cluster.OrganizationWithMembersAsync(1);

        await Assert.ThrowsAsync<PermissionDeniedException>(async () =>
            await Conversation(organizationId, others[0], users[0]).SendAsync(new SendMessageCommand(others[0], "hi", "c")));
    }

    [Fact]
    public async Task Send_SenderNotInConversation_ThrowsPermissionDenied()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(3);
        var conversation = Conversation(organizationId, users[0], users[1]);

        await Assert.ThrowsAsync<PermissionDeniedException>(async () => await conversation.SendAsync(new SendMessageCommand(users[2], "hi", "c")));
        await Assert.ThrowsAsync<PermissionDeniedException>(async () => await conversation.GetHistoryAsync(new HistoryQuery(users[2])));
        await Assert.ThrowsAsync<PermissionDeniedException>(async () => await conversation.MarkReadAsync(users[2], 1));
    }

    [Theory]
    [InlineData("", "c")]
    [InlineData("   ", "c")]
    [InlineData("ok", "")]
    [InlineData("ok", "bad id")]
    public async Task Send_InvalidInput_ThrowsInvalidArgument(string body, string clientMessageId)
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);

        await Assert.ThrowsAsync<InvalidArgumentException>(async () =>
            await Conversation(organizationId, users[0], users[1]).SendAsync(new SendMessageCommand(users[0], body, clientMessageId)));
    }

    [Fact]
    public async Task Send_UndefinedPriority_ThrowsInvalidArgumentAndStoresNothing()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = Conversation(organizationId, users[0], users[1]);

        await Assert.ThrowsAsync<InvalidArgumentException>(async () =>
            await conversation.SendAsync(new SendMessageCommand(users[0], "urgent?", "p-1", Priority: (MessagePriority)7)));

        Assert.Equal(0, await cluster.MessageLog.GetLastSequenceAsync(conversation.GetPrimaryKeyString()));
    }

    [Fact]
    public async Task SendCustom_OneToOne_BothMembersDevicesGetItAndNothingIsStoredOrCounted()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(3);
        var (alice, bob, outsider) = (users[0], users[1], users[2]);
        var conversation = Conversation(organizationId, alice, bob);
        var (aliceEvents, bobEvents) = (new RecordingObserver(), new RecordingObserver());
        await User(alice).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(aliceEvents));
        await User(bob).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(bobEvents));

        var custom = await conversation.SendCustomAsync(new CustomMessageCommand(alice, "game-move", "e2e4", [new("chess", "application/json", "{}")], "alice-phone"));

        Assert.Equal((alice, "game-move", "e2e4", conversation.GetPrimaryKeyString()), (custom.SenderId, custom.Type, custom.Body, custom.ConversationId));
        foreach (var events in new[] { bobEvents, aliceEvents })
        {
            var received = await events.NextAsync<CustomMessageSent>();
            Assert.Equal((custom with { Metadata = null }, "alice-phone"), (received.Message with { Metadata = null }, received.OriginSessionId));
            Assert.Equal(custom.Metadata!, received.Message.Metadata!);
        }
        Assert.Equal(0, await cluster.MessageLog.GetLastSequenceAsync(conversation.GetPrimaryKeyString()));
        Assert.Empty(await User(bob).GetConversationsAsync(organizationId));
        await Assert.ThrowsAsync<PermissionDeniedException>(async () => await conversation.SendCustomAsync(new CustomMessageCommand(outsider, "game-move")));
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await conversation.SendCustomAsync(new CustomMessageCommand(alice, "not an id")));
    }

    [Fact]
    public async Task Resend_OwnMessage_ANewMessageWithItsBodyAndTheNewPriorityOnce()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var conversation = Conversation(organizationId, alice, bob);
        var original = (await conversation.SendAsync(new SendMessageCommand(alice, "call me", "o-1", Metadata: [new("card", "text/plain", "x")]))).Message;

        var resent = await conversation.ResendAsync(new ResendCommand(alice, original.SortNumber, "r-1", Priority: MessagePriority.High));
        var retry = await conversation.ResendAsync(new ResendCommand(alice, original.SortNumber, "r-1", Priority: MessagePriority.High));

        Assert.True(resent.Created);
        Assert.Equal((2L, "call me", MessagePriority.High, "card"), (resent.Message.SortNumber, resent.Message.Body, resent.Message.Priority, resent.Message.Metadata![0].Namespace));
        Assert.Equal((false, resent.Message.Id), (retry.Created, retry.Message.Id));
        Assert.Equal(1, (await conversation.GetViewAsync(bob)).PriorityUnreadCount);
        await Assert.ThrowsAsync<PermissionDeniedException>(async () => await conversation.ResendAsync(new ResendCommand(bob, original.SortNumber, "r-2")));
        await Assert.ThrowsAsync<NotFoundException>(async () => await conversation.ResendAsync(new ResendCommand(alice, 99, "r-3")));
    }

    [Fact]
    public async Task Forward_IntoAnotherConversation_KeepsTheFirstOriginAndStaysInTheOrganization()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(4);
        var (alice, bob, carol, outsider) = (users[0], users[1], users[2], users[3]);
        var fromAlice = Conversation(organizationId, alice, bob);
        var original = (await fromAlice.SendAsync(new SendMessageCommand(alice, "the plan", "p-1"))).Message;

        // Bob forwards alice's message to carol; carol forwards it on to alice.
        var toCarol = Conversation(organizationId, bob, carol);
        var forwarded = (await toCarol.SendAsync(await fromAlice.PrepareForwardAsync(new ForwardCommand(bob, original.SortNumber, toCarol.GetPrimaryKeyString(), "f-1")))).Message;
        var toAlice = Conversation(organizationId, carol, alice);
        var again = (await toAlice.SendAsync(await toCarol.PrepareForwardAsync(new ForwardCommand(carol, forwarded.SortNumber, toAlice.GetPrimaryKeyString(), "f-2")))).Message;

        var origin = new ForwardedFrom(original.ConversationId, original.Id, alice, original.CreatedAt);
        Assert.Equal((bob, "the plan", origin), (forwarded.SenderId, forwarded.Body, forwarded.Forwarded));
        Assert.Equal((carol, origin), (again.SenderId, again.Forwarded));
        Assert.Equal(origin, Assert.Single((await toCarol.GetHistoryAsync(new HistoryQuery(carol))).Messages).Forwarded);

        // Only what the forwarder sees, only within the organization.
        await Assert.ThrowsAsync<PermissionDeniedException>(async () => await fromAlice.PrepareForwardAsync(new ForwardCommand(outsider, original.SortNumber, toCarol.GetPrimaryKeyString(), "f-3")));
        var elsewhere = ConversationKey.For(ClusterFixture.NewId("other-org"), bob, carol).ToGrainKey();
        await Assert.ThrowsAsync<PermissionDeniedException>(async () => await fromAlice.PrepareForwardAsync(new ForwardCommand(bob, original.SortNumber, elsewhere, "f-4")));
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await fromAlice.PrepareForwardAsync(new ForwardCommand(bob, original.SortNumber, "nowhere", "f-5")));
    }

    [Fact]
    public async Task Send_WithMetadataAndSilent_KeptWithTheMessageInHistory()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = Conversation(organizationId, users[0], users[1]);
        IReadOnlyList<MessageMetadata> metadata = [new("card", "application/json", """{"title":"Q3"}"""), new("quote", "text/plain", "earlier words")];

        var sent = await conversation.SendAsync(new SendMessageCommand(users[0], "see card", "m-1", Metadata: metadata, Silent: true));

        Assert.Equal(metadata, sent.Message.Metadata!);
        Assert.True(sent.Message.Silent);
        var stored = Assert.Single((await conversation.GetHistoryAsync(new HistoryQuery(users[1]))).Messages);
        Assert.Equal(metadata, stored.Metadata!);
        Assert.True(stored.Silent);
    }

    public static TheoryData<MessageMetadata[]> InvalidMetadata() => new()
    {
        { [.. Enumerable.Range(0, Validate.MaxMessageMetadataEntries + 1).Select(i => new MessageMetadata($"n{i}", "text/plain", "x"))] },
        { [new("same", "text/plain", "a"), new("same", "text/plain", "b")] },
        { [new("bad namespace", "text/plain", "a")] },
        { [new("n", "plain", "a")] },
        { [new("n", "text/plain", null!)] },
        { [new("a", "text/plain", new string('x', Validate.MaxMessageMetadataBytes / 2)), new("b", "text/plain", new string('é', Validate.MaxMessageMetadataBytes / 4 + 1))] },
    };

    [Theory]
    [MemberData(nameof(InvalidMetadata))]
    public async Task Send_InvalidMetadata_ThrowsInvalidArgumentAndStoresNothing(MessageMetadata[] metadata)
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = Conversation(organizationId, users[0], users[1]);

        await Assert.ThrowsAsync<InvalidArgumentException>(async () =>
            await conversation.SendAsync(new SendMessageCommand(users[0], "hi", "m-1", Metadata: metadata)));

        Assert.Equal(0, await cluster.MessageLog.GetLastSequenceAsync(conversation.GetPrimaryKeyString()));
    }

    [Fact]
    public async Task Send_HighPriority_CountsInThePriorityUnreadCountersUntilRead()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var conversation = Conversation(organizationId, alice, bob);

        var urgent = await conversation.SendAsync(new SendMessageCommand(alice, "now!", "p-1", Priority: MessagePriority.High));
        await conversation.SendAsync(new SendMessageCommand(alice, "fyi", "p-2", Priority: MessagePriority.Low));
        await conversation.SendAsync(new SendMessageCommand(alice, "also now", "p-3", Priority: MessagePriority.High));

        Assert.Equal(MessagePriority.High, urgent.Message.Priority);
        await SettledAsync(bob, conversation);
        var entry = Assert.Single(await User(bob).GetConversationsAsync(organizationId));
        Assert.Equal((3, 2), (entry.UnreadCount, entry.PriorityUnreadCount));
        Assert.Equal(new UnreadSummary(organizationId, 3, 1, 2), await User(bob).GetUnreadAsync(organizationId));
        Assert.Equal(0, (await conversation.GetViewAsync(alice)).PriorityUnreadCount);

        await conversation.MarkReadAsync(bob, 1);
        Assert.Equal((2, 1), ((await conversation.GetViewAsync(bob)).UnreadCount, (await conversation.GetViewAsync(bob)).PriorityUnreadCount));
        await conversation.MarkUnreadAsync(bob, 1);
        Assert.Equal(new UnreadSummary(organizationId, 3, 1, 2), await User(bob).GetUnreadAsync(organizationId));
        await conversation.MarkReadAsync(bob, 3);
        Assert.Equal(new UnreadSummary(organizationId, 0, 0, 0), await User(bob).GetUnreadAsync(organizationId));
    }

    [Fact]
    public async Task Send_BodyOver64KiB_ThrowsInvalidArgument()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);

        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await Conversation(organizationId, users[0], users[1])
            .SendAsync(new SendMessageCommand(users[0], new string('x', Validate.MaxBodyBytes + 1), "c")));
    }

    [Fact]
    public async Task Send_ConcurrentFromBothMembers_SortNumbersGapFreeAndUnique()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = Conversation(organizationId, users[0], users[1]);

        var sends = Enumerable.Range(0, 200).Select(i =>
            conversation.SendAsync(new SendMessageCommand(users[i % 2], $"m{i}", $"c{i}")).AsTask());
        var results = await Task.WhenAll(sends);

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), results.Select(r => r.Message.SortNumber).Order());
        var log = await cluster.MessageLog.ReadAsync(results[0].Message.ConversationId, 0, LogDirection.Forward, 500);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), log.Select(e => e.Sequence));
    }

    [Fact]
    public async Task UnreadCounters_AfterConcurrentSendsAndReads_EqualWhatTheLogSays()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(3);
        var (a, b, c) = (users[0], users[1], users[2]);
        var ab = Conversation(organizationId, a, b);
        var ac = Conversation(organizationId, a, c);

        // Sends in both conversations and both directions, with reads racing them.
        var work = new List<Task>();
        for (var i = 0; i < 60; i++)
        {
            var n = i;
            var priority = n % 5 == 0 ? MessagePriority.High : MessagePriority.Normal;
            work.Add(ab.SendAsync(new SendMessageCommand(n % 3 == 0 ? b : a, $"ab{n}", $"ab{n}", Priority: priority)).AsTask());
            work.Add(ac.SendAsync(new SendMessageCommand(n % 2 == 0 ? c : a, $"ac{n}", $"ac{n}", Priority: priority)).AsTask());
            if (n % 7 == 0)
            {
                work.Add(ab.MarkReadAsync(b, n).AsTask());
                work.Add(ac.MarkReadAsync(a, n / 2).AsTask());
            }
        }

        await Task.WhenAll(work);
        foreach (var (user, conversation) in new[] { (a, ab), (b, ab), (a, ac), (c, ac) })
        {
            await SettledAsync(user, conversation);
        }

        foreach (var user in users)
        {
            var roster = await User(user).GetConversationsAsync(organizationId);
            var total = default(LogCount);
            foreach (var entry in roster)
            {
                var expected = await cluster.MessageLog.CountAsync(entry.Id, entry.ReadSortNumber, long.MaxValue, [user]);
                Assert.Equal((expected.Entries, expected.HighPriority), (entry.UnreadCount, entry.PriorityUnreadCount));
                Assert.Equal(entry, await cluster.GrainFactory.GetGrain<IConversationGrain>(entry.Id).GetViewAsync(user));
                total += expected;
            }

            var summary = await User(user).GetUnreadAsync(organizationId);
            Assert.Equal((total.Entries, total.HighPriority), (summary.UnreadCount, summary.PriorityUnreadCount));
        }

        Assert.Equal(2, (await User(a).GetConversationsAsync(organizationId)).Count);
    }

    [Fact]
    public async Task MarkRead_MovesCursorForwardOnly_LowersUnreadAndTellsSender()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var conversation = Conversation(organizationId, alice, bob);
        var aliceEvents = new RecordingObserver();
        await User(alice).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(aliceEvents));
        for (var i = 1; i <= 5; i++)
        {
            await conversation.SendAsync(new SendMessageCommand(alice, $"m{i}", $"c{i}"));
        }

        var view = await conversation.MarkReadAsync(bob, 3);
        Assert.Equal((3L, 2), (view.ReadSortNumber, view.UnreadCount));
        var read = await aliceEvents.NextAsync<MessageRead>();
        Assert.Equal((bob, 3L, view.Id), (read.ReaderId, read.SortNumber, read.ConversationId));

        var backwards = await conversation.MarkReadAsync(bob, 1);
        Assert.Equal((3L, 2), (backwards.ReadSortNumber, backwards.UnreadCount));

        var beyond = await conversation.MarkReadAsync(bob, 1000);
        Assert.Equal((5L, 0), (beyond.ReadSortNumber, beyond.UnreadCount));
        Assert.Equal(new UnreadSummary(organizationId, 0, 0), await User(bob).GetUnreadAsync(organizationId));
        Assert.Equal(5, (await conversation.GetViewAsync(alice)).CounterpartyReadSortNumber);

        // Observer calls arrive in order: once the read up to 5 is in, the no-op read has produced nothing.
        await aliceEvents.NextAsync<MessageRead>(r => r.SortNumber == 5);
        lock (aliceEvents.Received)
        {
            Assert.Equal([3L, 5L], aliceEvents.Received.OfType<MessageRead>().Select(r => r.SortNumber));
        }
    }

    [Fact]
    public async Task MarkUnread_ReadMessages_CountAgainForTheReaderOnlyUntilReadAgain()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var conversation = Conversation(organizationId, alice, bob);
        for (var i = 1; i <= 5; i++)
        {
            await conversation.SendAsync(new SendMessageCommand(alice, $"m{i}", $"c{i}"));
        }

        await conversation.MarkReadAsync(bob, 5);
        var marked = await conversation.MarkUnreadAsync(bob, 3);
        Assert.Equal((2L, 3), (marked.ReadSortNumber, marked.UnreadCount));
        Assert.Equal(new UnreadSummary(organizationId, 3, 1), await User(bob).GetUnreadAsync(organizationId));
        Assert.Equal(5L, (await conversation.GetViewAsync(alice)).CounterpartyReadSortNumber);
        Assert.Equal([bob], (await conversation.GetReceiptsAsync(alice, 4)).ReadBy);

        // Beyond the last message, or already unread: nothing changes.
        Assert.Equal(marked, await conversation.MarkUnreadAsync(bob, 6));
        Assert.Equal(marked, await conversation.MarkUnreadAsync(bob, 4));

        var partly = await conversation.MarkReadAsync(bob, 4);
        Assert.Equal((4L, 1), (partly.ReadSortNumber, partly.UnreadCount));
        var again = await conversation.MarkReadAsync(bob, 5);
        Assert.Equal((5L, 0), (again.ReadSortNumber, again.UnreadCount));
        Assert.Equal(new UnreadSummary(organizationId, 0, 0), await User(bob).GetUnreadAsync(organizationId));
    }

    [Fact]
    public async Task MarkRead_OwnMessagesAfterCursor_AreNotUnread()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var conversation = Conversation(organizationId, alice, bob);
        await conversation.SendAsync(new SendMessageCommand(alice, "1", "1"));
        await conversation.SendAsync(new SendMessageCommand(bob, "2", "2"));
        await conversation.SendAsync(new SendMessageCommand(alice, "3", "3"));
        await conversation.SendAsync(new SendMessageCommand(bob, "4", "4"));

        var view = await conversation.MarkReadAsync(bob, 1);

        Assert.Equal(1, view.UnreadCount); // only alice's message 3
    }

    [Fact]
    public async Task Send_SubscribedObservers_GetMessageAndConversationChange()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var bobEvents = new RecordingObserver();
        var aliceEvents = new RecordingObserver();
        await User(bob).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(bobEvents));
        await User(alice).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(aliceEvents));

        var sent = await Conversation(organizationId, alice, bob).SendAsync(new SendMessageCommand(alice, "hi", "c", "alice-phone"));

        var received = await bobEvents.NextAsync<MessageSent>();
        Assert.Equal(sent.Message, received.Message);
        Assert.Equal("alice-phone", received.OriginSessionId);
        var change = await bobEvents.NextAsync<ConversationChanged>();
        Assert.Equal((1, 1, 1), (change.Conversation.UnreadCount, change.Unread.UnreadCount, change.Unread.UnreadConversationCount));
        Assert.Equal(sent.Message, (await aliceEvents.NextAsync<MessageSent>()).Message);
        Assert.Equal(0, (await aliceEvents.NextAsync<ConversationChanged>()).Unread.UnreadCount);
    }

    [Fact]
    public async Task Send_ManyMessages_RecipientGetsEachMessageRightBeforeItsConversationChange()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var bobEvents = new RecordingObserver();
        await User(users[1]).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(bobEvents));
        var conversation = Conversation(organizationId, users[0], users[1]);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => conversation.SendAsync(new SendMessageCommand(users[0], "m" + i, "c" + i)).AsTask()));

        // Every event has come (the observer calls themselves may overtake each other, so wait for each).
        for (var sortNumber = 1L; sortNumber <= 20; sortNumber++)
        {
            await bobEvents.NextAsync<MessageSent>(m => m.Message.SortNumber == sortNumber);
            await bobEvents.NextAsync<ConversationChanged>(c => c.Conversation.LastSortNumber == sortNumber);
        }

        List<object> received;
        lock (bobEvents.Received)
        {
            received = [.. bobEvents.Received];
        }

        var messages = received.Select((e, i) => (Event: e, Index: i)).Where(e => e.Event is MessageSent).ToList();
        Assert.Equal(20, messages.Count);
        foreach (var (message, index) in messages)
        {
            var next = Assert.IsType<ConversationChanged>(received[index + 1]);
            Assert.Equal(((MessageSent)message).Message.SortNumber, next.Conversation.LastSortNumber);
        }
    }

    [Fact]
    public async Task Send_RetryOfAnAttemptStoredWithoutAnAnswer_NextSendStillSucceeds()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var key = ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey();
        var conversation = cluster.GrainFactory.GetGrain<IConversationGrain>(key);
        await conversation.SendAsync(new SendMessageCommand(users[0], "first", "c1"));

        // The log committed the second attempt, but its answer never reached the grain (a timeout, a lost connection).
        var lost = new Message("lost-answer", key, organizationId, 2, users[0], users[1], "second", "c2", DateTimeOffset.UtcNow);
        await cluster.MessageLog.AppendAsync(new LogEntry(key, 2, lost.Id, $"{users[0]}:c2", users[0], lost.CreatedAt,
            JsonSerializer.Serialize(lost, ChatJsonContext.Default.Message)));

        var retried = await conversation.SendAsync(new SendMessageCommand(users[0], "second", "c2"));
        var next = await conversation.SendAsync(new SendMessageCommand(users[0], "third", "c3"));

        Assert.Equal((lost.Id, false), (retried.Message.Id, retried.Created));
        Assert.Equal(3, next.Message.SortNumber);
    }

    [Fact]
    public async Task Send_RetryAfterTheRecipientsReceiptWasStored_TheRecipientStillGetsTheMessageOnce()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var conversation = Conversation(organizationId, alice, bob);
        var (aliceEvents, bobEvents) = (new RecordingObserver(), new RecordingObserver());
        await User(alice).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(aliceEvents));
        await User(bob).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(bobEvents));
        var sent = await conversation.SendAsync(new SendMessageCommand(alice, "once", "o-1"));
        await bobEvents.NextAsync<MessageSent>();

        // The receipt's flush writes the conversation (a newer revision) and tells alice, not bob.
        await conversation.MarkDeliveredAsync(bob, 1);
        Assert.Equal(new MessageDelivered(sent.Message.ConversationId, organizationId, bob, 1), await aliceEvents.NextAsync<MessageDelivered>());
        var retry = await conversation.SendAsync(new SendMessageCommand(alice, "once", "o-1"));

        Assert.False(retry.Created);
        await Task.Delay(300);
        lock (bobEvents.Received)
        {
            Assert.Single(bobEvents.Received.OfType<MessageSent>());
        }
    }

    [Fact]
    public async Task Send_Retry_NotifiesObserversOnlyOnce()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var bobEvents = new RecordingObserver();
        await User(users[1]).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(bobEvents));
        var conversation = Conversation(organizationId, users[0], users[1]);

        await conversation.SendAsync(new SendMessageCommand(users[0], "hi", "c"));
        await conversation.SendAsync(new SendMessageCommand(users[0], "hi", "c"));
        await conversation.SendAsync(new SendMessageCommand(users[0], "second", "d"));
        await bobEvents.NextAsync<MessageSent>(m => m.Message.Body == "second");

        Assert.Equal(2, bobEvents.Received.OfType<MessageSent>().Count());
    }

    [Theory]
    [InlineData(null, null, 3, HistoryOrder.NewestFirst, new long[] { 10, 9, 8 }, true)]
    [InlineData(8L, null, 3, HistoryOrder.NewestFirst, new long[] { 7, 6, 5 }, true)]
    [InlineData(4L, null, 50, HistoryOrder.NewestFirst, new long[] { 3, 2, 1 }, false)]
    [InlineData(null, 2L, 3, HistoryOrder.OldestFirst, new long[] { 3, 4, 5 }, true)]
    [InlineData(null, 7L, 50, HistoryOrder.OldestFirst, new long[] { 8, 9, 10 }, false)]
    [InlineData(6L, 2L, 50, HistoryOrder.OldestFirst, new long[] { 3, 4, 5 }, false)]
    [InlineData(6L, 2L, 2, HistoryOrder.NewestFirst, new long[] { 5, 4 }, true)]
    [InlineData(3L, 2L, 50, HistoryOrder.NewestFirst, new long[0], false)]
    [InlineData(null, 10L, 50, HistoryOrder.OldestFirst, new long[0], false)]
    [InlineData(null, long.MaxValue, 50, HistoryOrder.NewestFirst, new long[0], false)]
    [InlineData(long.MaxValue, long.MaxValue - 1, 50, HistoryOrder.OldestFirst, new long[0], false)]
    public async Task GetHistory_Pages_ReturnsExpectedSortNumbers(long? before, long? after, int limit, HistoryOrder order, long[] expected, bool hasMore)
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = Conversation(organizationId, users[0], users[1]);
        for (var i = 1; i <= 10; i++)
        {
            await conversation.SendAsync(new SendMessageCommand(users[i % 2], $"m{i}", $"c{i}"));
        }

        var page = await conversation.GetHistoryAsync(new HistoryQuery(users[1], before, after, limit, order));

        Assert.Equal(expected, page.Messages.Select(m => m.SortNumber));
        Assert.Equal(hasMore, page.HasMore);
        Assert.All(page.Messages, m => Assert.Equal($"m{m.SortNumber}", m.Body));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(201)]
    public async Task GetHistory_LimitOutOfRange_ThrowsInvalidArgument(int limit)
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);

        await Assert.ThrowsAsync<InvalidArgumentException>(async () =>
            await Conversation(organizationId, users[0], users[1]).GetHistoryAsync(new HistoryQuery(users[0], Limit: limit)));
    }

    [Fact]
    public async Task Activation_MessagesOnlyInTheLog_RecoversCountersRostersAndNextSortNumber()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var key = ConversationKey.For(organizationId, alice, bob);

        // Messages appended just before a crash, whose roster updates never happened.
        var lost = new List<Message>();
        for (var i = 1; i <= 3; i++)
        {
            var message = new Message($"lost-{i}-{Guid.NewGuid():N}", key.ToGrainKey(), organizationId, i, alice, bob, $"lost {i}", $"lost-{i}", DateTimeOffset.UtcNow);
            lost.Add(message);
            await cluster.MessageLog.AppendAsync(new LogEntry(key.ToGrainKey(), i, message.Id, $"{alice}:lost-{i}", alice, message.CreatedAt,
                JsonSerializer.Serialize(message, ChatJsonContext.Default.Message), HighPriority: i == 2));
        }

        var conversation = cluster.GrainFactory.GetGrain<IConversationGrain>(key.ToGrainKey());
        var view = await conversation.GetViewAsync(bob);

        Assert.Equal((3L, 3, 1, lost[2]), (view.LastSortNumber, view.UnreadCount, view.PriorityUnreadCount, view.LastMessage));

        // The activation repairs the rosters in the background (it must not wait on a user grain while activating).
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await User(bob).GetConversationsAsync(organizationId)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(view, Assert.Single(await User(bob).GetConversationsAsync(organizationId)));

        // The client retries the lost send: the log's idempotency returns it, and the next send continues the numbering.
        var retry = await conversation.SendAsync(new SendMessageCommand(alice, "lost 2", "lost-2"));
        Assert.False(retry.Created);
        Assert.Equal(lost[1], retry.Message);
        var next = await conversation.SendAsync(new SendMessageCommand(alice, "new", "new-1"));
        Assert.Equal(4, next.Message.SortNumber);
        await SettledAsync(bob, conversation);
        Assert.Equal(new UnreadSummary(organizationId, 4, 1, 1), await User(bob).GetUnreadAsync(organizationId));
    }

    [Fact]
    public async Task Roster_TwoOrganizations_NeverMix()
    {
        var (first, users) = await cluster.OrganizationWithMembersAsync(2);
        var (second, _) = await cluster.OrganizationWithMembersAsync(0);
        var organization = cluster.GrainFactory.GetGrain<Organizations.IOrganizationGrain>(second);
        await organization.AddMemberAsync(users[0]);
        await organization.AddMemberAsync(users[1]);

        await Conversation(first, users[0], users[1]).SendAsync(new SendMessageCommand(users[0], "in first", "1"));
        await Conversation(second, users[0], users[1]).SendAsync(new SendMessageCommand(users[0], "in second", "1"));
        await Conversation(second, users[0], users[1]).SendAsync(new SendMessageCommand(users[0], "in second again", "2"));

        var inFirst = Assert.Single(await User(users[1]).GetConversationsAsync(first));
        var inSecond = Assert.Single(await User(users[1]).GetConversationsAsync(second));
        Assert.NotEqual(inFirst.Id, inSecond.Id);
        Assert.Equal(("in first", 1), (inFirst.LastMessage!.Body, inFirst.UnreadCount));
        Assert.Equal(("in second again", 2), (inSecond.LastMessage!.Body, inSecond.UnreadCount));
        Assert.Equal(new UnreadSummary(first, 1, 1), await User(users[1]).GetUnreadAsync(first));
        Assert.Equal(new UnreadSummary(second, 2, 1), await User(users[1]).GetUnreadAsync(second));
    }

    [Fact]
    public async Task MarkDelivered_MovesDeliveredCursorForSender()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var conversation = Conversation(organizationId, users[0], users[1]);
        await conversation.SendAsync(new SendMessageCommand(users[0], "1", "1"));
        await conversation.SendAsync(new SendMessageCommand(users[0], "2", "2"));

        var mine = await conversation.MarkDeliveredAsync(users[1], 2);
        await conversation.MarkDeliveredAsync(users[1], 1);

        Assert.Equal(2, mine.UnreadCount);
        Assert.Equal(2, (await conversation.GetViewAsync(users[0])).CounterpartyDeliveredSortNumber);

        // Receipts reach the sender's roster with the conversation's next flush, not one push per receipt.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Assert.Single(await User(users[0]).GetConversationsAsync(organizationId)).CounterpartyDeliveredSortNumber != 2)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    [Fact]
    public async Task Roster_SeveralConversations_SortedByLastMessageAndCounted()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(3);
        var (me, x, y) = (users[0], users[1], users[2]);
        await Conversation(organizationId, me, x).SendAsync(new SendMessageCommand(x, "first", "1"));
        await Task.Delay(5);
        await Conversation(organizationId, me, y).SendAsync(new SendMessageCommand(y, "second", "1"));
        await Conversation(organizationId, me, y).SendAsync(new SendMessageCommand(y, "third", "2"));

        var roster = await User(me).GetConversationsAsync(organizationId);

        Assert.Equal([y, x], roster.Select(c => c.CounterpartyId));
        Assert.Equal(new UnreadSummary(organizationId, 3, 2), await User(me).GetUnreadAsync(organizationId));
    }

    private IConversationGrain Conversation(string organizationId, string one, string other) =>
        cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, one, other).ToGrainKey());

    private IUserGrain User(string userId) => cluster.GrainFactory.GetGrain<IUserGrain>(userId);

    /// <summary>
    /// Waits until the user's roster holds the conversation's current view of them: a send waits for the sender's roster
    /// only, and the other member's follows in the background.
    /// </summary>
    private async Task SettledAsync(string userId, IConversationGrain conversation)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var view = await conversation.GetViewAsync(userId);
            var entry = (await User(userId).GetConversationsAsync(view.OrganizationId)).SingleOrDefault(e => e.Id == view.Id);
            if (entry is not null && entry.Revision >= view.Revision)
            {
                return;
            }

            await Task.Delay(20, timeout.Token);
        }
    }
}
