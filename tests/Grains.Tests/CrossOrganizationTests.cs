using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>1-1 conversations across two organizations: each member in their own, where both organizations allow it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CrossOrganizationTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Send_BothAllow_EachMemberListsAndCountsItInTheirOwnOrganization()
    {
        var (a, alice, b, bob) = await PairAsync();
        await Organization(a).AddMemberAsync(bob); // Bob is in both: the conversation is listed in B only, where he is in it.
        var bobEvents = new RecordingObserver();
        await User(bob).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(bobEvents));
        var conversation = Conversation(a, alice, b, bob);

        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "hello from A", "c-1"))).Message;

        Assert.Equal((ConversationKey.For(a, alice, b, bob).ToGrainKey(), a, bob), (sent.ConversationId, sent.OrganizationId, sent.RecipientId));
        var bobEntry = Assert.Single(await User(bob).GetConversationsAsync(b));
        Assert.Equal((sent.ConversationId, b, alice, 1), (bobEntry.Id, bobEntry.OrganizationId, bobEntry.CounterpartyId, bobEntry.UnreadCount));
        Assert.Equal(new UnreadSummary(b, 1, 1), await User(bob).GetUnreadAsync(b));
        Assert.Empty(await User(bob).GetConversationsAsync(a));
        Assert.Equal(new UnreadSummary(a, 0, 0), await User(bob).GetUnreadAsync(a));
        var aliceEntry = Assert.Single(await User(alice).GetConversationsAsync(a));
        Assert.Equal((a, bob, 0), (aliceEntry.OrganizationId, aliceEntry.CounterpartyId, aliceEntry.UnreadCount));
        var change = await bobEvents.NextAsync<ConversationChanged>(c => c.Conversation.UnreadCount == 1);
        Assert.Equal((b, b, 1), (change.Conversation.OrganizationId, change.Unread.OrganizationId, change.Unread.UnreadCount));

        var reply = (await conversation.SendAsync(new SendMessageCommand(bob, "hello from B", "c-2"))).Message;
        Assert.Equal(b, reply.OrganizationId);
        Assert.Equal(new UnreadSummary(a, 1, 1), await User(alice).GetUnreadAsync(a));
        Assert.Equal(new UnreadSummary(b, 1, 1), await User(bob).GetUnreadAsync(b)); // his own message adds nothing

        await conversation.MarkReadAsync(alice, reply.SortNumber);
        var read = await bobEvents.NextAsync<MessageRead>();
        Assert.Equal((alice, a), (read.ReaderId, read.OrganizationId));
        Assert.Equal(new UnreadSummary(a, 0, 0), await User(alice).GetUnreadAsync(a));
        Assert.Equal(["hello from A", "hello from B"], (await conversation.GetHistoryAsync(new HistoryQuery(bob, Order: HistoryOrder.OldestFirst))).Messages.Select(m => m.Body));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task Send_AnOrganizationDoesNotAllow_PermissionDeniedAndNothingStored(bool firstAllows, bool secondAllows)
    {
        var (a, alice, b, bob) = await PairAsync(firstAllows, secondAllows);
        var conversation = Conversation(a, alice, b, bob);

        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SendAsync(new SendMessageCommand(alice, "hi", "c-1")).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SendAsync(new SendMessageCommand(bob, "hi", "c-2")).AsTask());

        Assert.Equal(0, await cluster.MessageLog.GetLastSequenceAsync(ConversationKey.For(a, alice, b, bob).ToGrainKey()));
        Assert.Empty(await User(alice).GetConversationsAsync(a));
        Assert.Empty(await User(bob).GetConversationsAsync(b));
    }

    [Fact]
    public async Task Send_RecipientNotInTheNamedOrganization_RefusedAsForNoSuchUser()
    {
        var (a, alice, b, _) = await PairAsync();
        var (elsewhere, members) = await cluster.OrganizationWithMembersAsync(1);
        var notInB = members[0];
        var missing = ClusterFixture.NewId("user");

        var notMember = await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            Conversation(a, alice, b, notInB).SendAsync(new SendMessageCommand(alice, "hi", "c-1")).AsTask());
        var noSuchUser = await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            Conversation(a, alice, b, missing).SendAsync(new SendMessageCommand(alice, "hi", "c-1")).AsTask());

        Assert.Equal(noSuchUser.Message, notMember.Message);
        Assert.Equal(0, await cluster.MessageLog.GetLastSequenceAsync(ConversationKey.For(a, alice, b, notInB).ToGrainKey()));
        Assert.Empty(await User(notInB).GetConversationsAsync(elsewhere));
    }

    [Fact]
    public async Task Send_SenderNotInTheirNamedOrganization_PermissionDenied()
    {
        var (a, _, b, bob) = await PairAsync();
        var outsider = await cluster.CreateUserAsync();

        await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            Conversation(a, outsider, b, bob).SendAsync(new SendMessageCommand(outsider, "hi", "c-1")).AsTask());
        Assert.Empty(await User(bob).GetConversationsAsync(b));
    }

    [Fact]
    public async Task Send_SettingTurnedOffLater_NewMessagesRefusedAfterTheRecheck_WhatWasSaidStaysReadable()
    {
        var (a, alice, b, bob) = await PairAsync();
        var conversation = Conversation(a, alice, b, bob);
        await conversation.SendAsync(new SendMessageCommand(alice, "before", "c-1"));

        await Organization(b).SetSettingsAsync(new OrganizationSettings(AllowCrossOrganization: false));
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the fixture's Silo:Conversations:CrossOrganizationRecheck is 2 s

        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SendAsync(new SendMessageCommand(alice, "after", "c-2")).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SendCustomAsync(new CustomMessageCommand(bob, "ping")).AsTask());
        Assert.Equal(["before"], (await conversation.GetHistoryAsync(new HistoryQuery(bob))).Messages.Select(m => m.Body));
        Assert.Equal(1, (await conversation.MarkReadAsync(bob, 1)).ReadSortNumber);

        await Organization(b).SetSettingsAsync(new OrganizationSettings(AllowCrossOrganization: true));
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.True((await conversation.SendAsync(new SendMessageCommand(alice, "again", "c-3"))).Created);
    }

    [Fact]
    public async Task View_NoMessageYetAndNotAllowed_AnswersNeitherMember()
    {
        // Else a member of A would learn, without any consent, whether someone is in B and what their name is.
        var (a, alice, b, bob) = await PairAsync(secondAllows: false);
        var conversation = Conversation(a, alice, b, bob);

        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.GetViewAsync(alice).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.GetHistoryAsync(new HistoryQuery(alice)).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.GetViewAsync(bob).AsTask());
    }

    [Fact]
    public async Task Send_NotAMember_PermissionDenied()
    {
        var (a, alice, b, bob) = await PairAsync();
        var conversation = Conversation(a, alice, b, bob);
        await conversation.SendAsync(new SendMessageCommand(alice, "hi", "c-1"));
        var (_, others) = await cluster.OrganizationWithMembersAsync(1);

        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.SendAsync(new SendMessageCommand(others[0], "me too", "c-2")).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.GetHistoryAsync(new HistoryQuery(others[0])).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.GetViewAsync(others[0]).AsTask());
    }

    [Fact]
    public async Task Send_TimeToLive_CappedByTheSendersOrganization()
    {
        var (a, alice, b, bob) = await PairAsync();
        await Organization(a).SetSettingsAsync(new OrganizationSettings(MaxMessageTtlMinutes: 2, AllowCrossOrganization: true));
        await Organization(b).SetSettingsAsync(new OrganizationSettings(MaxMessageTtlMinutes: 10, AllowCrossOrganization: true));
        var conversation = Conversation(a, alice, b, bob);

        var fromAlice = (await conversation.SendAsync(new SendMessageCommand(alice, "brief", "c-1", TtlMinutes: 60))).Message;
        var fromBob = (await conversation.SendAsync(new SendMessageCommand(bob, "longer", "c-2", TtlMinutes: 60))).Message;

        Assert.Equal(TimeSpan.FromMinutes(2), fromAlice.ExpiresAt - fromAlice.CreatedAt);
        Assert.Equal(TimeSpan.FromMinutes(10), fromBob.ExpiresAt - fromBob.CreatedAt);
    }

    [Fact]
    public async Task Send_Attachments_OnlyUploadsToTheSendersOwnOrganization_AndTheRecipientSeesThem()
    {
        var (a, alice, b, bob) = await PairAsync();
        var conversation = Conversation(a, alice, b, bob);
        var own = await UploadAsync(a, alice);
        var toB = await UploadAsync(b, alice);

        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "", "c-1", AttachmentIds: [own]))).Message;
        var refused = await Assert.ThrowsAsync<NotFoundException>(() => conversation.SendAsync(new SendMessageCommand(alice, "", "c-2", AttachmentIds: [toB])).AsTask());

        Assert.Equal(own, Assert.Single((await conversation.GetMessageAsync(bob, sent.SortNumber)).Attachments!).Id);
        Assert.Equal([new AttachmentHolder(sent.ConversationId, sent.SortNumber)], await cluster.GrainFactory.GetGrain<IAttachmentGrain>(own).GetHoldersAsync());
        Assert.Equal(ErrorCodes.NotFound, refused.Code);
        Assert.Equal(1, await cluster.MessageLog.GetLastSequenceAsync(sent.ConversationId));
    }

    [Fact]
    public async Task Forward_IntoOrOutOfACrossOrganizationConversation_PermissionDenied()
    {
        var (a, alice, b, bob) = await PairAsync();
        var carol = await cluster.CreateUserAsync();
        await Organization(a).AddMemberAsync(carol);
        var across = Conversation(a, alice, b, bob);
        var within = cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(a, alice, carol).ToGrainKey());
        var acrossMessage = (await across.SendAsync(new SendMessageCommand(alice, "across", "c-1"))).Message;
        var withinMessage = (await within.SendAsync(new SendMessageCommand(alice, "within", "c-1"))).Message;

        await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            across.PrepareForwardAsync(new ForwardCommand(alice, acrossMessage.SortNumber, withinMessage.ConversationId, "f-1")).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            within.PrepareForwardAsync(new ForwardCommand(alice, withinMessage.SortNumber, acrossMessage.ConversationId, "f-2")).AsTask());
        Assert.Equal("across", (await across.ResendAsync(new ResendCommand(alice, acrossMessage.SortNumber, "r-1"))).Message.Body);
    }

    [Fact]
    public async Task Changes_NameTheOrganizationOfWhoMadeThem()
    {
        var (a, alice, b, bob) = await PairAsync();
        var conversation = Conversation(a, alice, b, bob);
        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "react to me", "c-1"))).Message;

        await conversation.ReactAsync(bob, sent.SortNumber, "👍", add: true);
        await conversation.EditAsync(new EditMessageCommand(alice, sent.SortNumber, "edited"));

        var changes = (await conversation.GetChangesAsync(new ChangesQuery(alice))).Changes;
        Assert.Equal([(MessageChangeKind.ReactionAdded, b), (MessageChangeKind.Edited, a)], changes.Select(c => (c.Kind, c.OrganizationId)));
    }

    /// <summary>Alice in organization A, Bob in organization B, each organization allowing conversations across organizations or not.</summary>
    private async Task<(string A, string Alice, string B, string Bob)> PairAsync(bool firstAllows = true, bool secondAllows = true)
    {
        var (a, alices) = await cluster.OrganizationWithMembersAsync(1);
        var (b, bobs) = await cluster.OrganizationWithMembersAsync(1);
        await Organization(a).SetSettingsAsync(new OrganizationSettings(AllowCrossOrganization: firstAllows));
        await Organization(b).SetSettingsAsync(new OrganizationSettings(AllowCrossOrganization: secondAllows));
        return (a, alices[0], b, bobs[0]);
    }

    private async Task<string> UploadAsync(string organizationId, string uploaderId)
    {
        var id = AttachmentId.New();
        await cluster.BlobStore.WriteAsync(id, new MemoryStream([1, 2, 3]), maxBytes: 1024);
        await cluster.GrainFactory.GetGrain<IAttachmentGrain>(id).CreateAsync(new CreateAttachmentCommand(organizationId, uploaderId, "photo.jpg", "image/jpeg", 3, 10, 10));
        return id;
    }

    private IConversationGrain Conversation(string organizationId, string userId, string otherOrganizationId, string otherUserId) =>
        cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, userId, otherOrganizationId, otherUserId).ToGrainKey());

    private IOrganizationGrain Organization(string organizationId) => cluster.GrainFactory.GetGrain<IOrganizationGrain>(organizationId);

    private IUserGrain User(string userId) => cluster.GrainFactory.GetGrain<IUserGrain>(userId);
}
