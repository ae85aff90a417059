using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Api.Realtime;

namespace Orleans.Chat.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class HubTests(ApiFactory factory)
{
    [Fact]
    public async Task SendMessage_OverHub_RecipientGetsMessageAndConversationChange()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await using var alice = await HubTestClient.ConnectAsync(factory, users[0].Token);
        await using var bob = await HubTestClient.ConnectAsync(factory, users[1].Token);

        var sent = await alice.InvokeAsync("SendMessage", new { organizationId, recipientId = users[1].Id, body = "hello bob", clientMessageId = "h-1" });

        Assert.Equal(1, sent.GetProperty("sortNumber").GetInt64());
        var received = await bob.NextAsync("message", m => m.GetProperty("id").GetString() == sent.GetProperty("id").GetString());
        Assert.Equal("hello bob", received.GetProperty("body").GetString());
        var change = await bob.NextAsync("conversation:change");
        Assert.Equal(1, change.GetProperty("conversation").GetProperty("unreadCount").GetInt32());
        Assert.Equal(1, change.GetProperty("unread").GetProperty("unreadCount").GetInt32());
        Assert.Equal(0, (await alice.NextAsync("conversation:change")).GetProperty("unread").GetProperty("unreadCount").GetInt32());
    }

    [Fact]
    public async Task MarkRead_OverHub_SenderGetsMessageRead()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await using var alice = await HubTestClient.ConnectAsync(factory, users[0].Token);
        await using var bob = await HubTestClient.ConnectAsync(factory, users[1].Token);
        var sent = await alice.InvokeAsync("SendMessage", new { organizationId, recipientId = users[1].Id, body = "read me", clientMessageId = "r-1" });
        var conversationId = sent.GetProperty("conversationId").GetString();

        var view = await bob.InvokeAsync("MarkRead", conversationId, 1);

        Assert.Equal(0, view.GetProperty("unreadCount").GetInt32());
        var read = await alice.NextAsync("message:read");
        Assert.Equal((conversationId, users[1].Id, 1L), (read.GetProperty("conversationId").GetString(), read.GetProperty("readerId").GetString(), read.GetProperty("sortNumber").GetInt64()));
        Assert.Equal(0, bob.Count("message:read"));
    }

    [Fact]
    public async Task SendMessage_RecipientDeviceConnected_SenderGetsMessageDeliveredWithoutAnyCall()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await using var alice = await HubTestClient.ConnectAsync(factory, users[0].Token);
        await using var bob = await HubTestClient.ConnectAsync(factory, users[1].Token);

        var sent = await alice.InvokeAsync("SendMessage", new { organizationId, recipientId = users[1].Id, body = "got it?", clientMessageId = "d-1" });
        var conversationId = sent.GetProperty("conversationId").GetString();
        await bob.NextAsync("message");

        // The host that pushed it to bob's device reports it delivered: nobody calls MarkDelivered.
        var delivered = await alice.NextAsync("message:delivered", timeoutMs: 10_000);
        Assert.Equal((conversationId, users[1].Id, 1L), (delivered.GetProperty("conversationId").GetString(), delivered.GetProperty("recipientId").GetString(), delivered.GetProperty("sortNumber").GetInt64()));
        var receipts = await alice.InvokeAsync("GetReceipts", conversationId, 1);
        Assert.Equal([users[1].Id], receipts.GetProperty("deliveredTo").EnumerateArray().Select(u => u.GetString()));
        var change = await alice.NextAsync("conversation:change", c => c.GetProperty("conversation").GetProperty("counterpartyDeliveredSortNumber").GetInt64() == 1);
        Assert.Equal(conversationId, change.GetProperty("conversation").GetProperty("id").GetString());
        Assert.Equal(0, bob.Count("message:delivered"));
    }

    [Fact]
    public async Task SendMessage_RecipientNotConnected_NothingIsDeliveredUntilItsDeviceReadsTheHistory()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await using var alice = await HubTestClient.ConnectAsync(factory, users[0].Token);

        var sent = await alice.InvokeAsync("SendMessage", new { organizationId, recipientId = users[1].Id, body = "later", clientMessageId = "l-1" });
        var conversationId = sent.GetProperty("conversationId").GetString();
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.Equal(0, alice.Count("message:delivered"));
        var receipts = await alice.InvokeAsync("GetReceipts", conversationId, 1);
        Assert.Equal([users[1].Id], receipts.GetProperty("pending").EnumerateArray().Select(u => u.GetString()));
        await (await users[1].Client.GetAsync($"/v1/conversations/{conversationId}/messages")).AssertOkAsync();
        var delivered = await alice.NextAsync("message:delivered", timeoutMs: 10_000);
        Assert.Equal((users[1].Id, 1L), (delivered.GetProperty("recipientId").GetString(), delivered.GetProperty("sortNumber").GetInt64()));
    }

    [Fact]
    public async Task GroupMessage_MembersConnected_OnlyTheSenderGetsEachMembersDeliveredReceipt()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        await using var owner = await HubTestClient.ConnectAsync(factory, users[0].Token);
        await using var ann = await HubTestClient.ConnectAsync(factory, users[1].Token);
        await using var ben = await HubTestClient.ConnectAsync(factory, users[2].Token);
        var created = await owner.InvokeAsync("CreateGroup", organizationId, new { name = "Receipts", memberIds = new[] { users[1].Id, users[2].Id } });
        var conversationId = created.GetProperty("group").GetProperty("id").GetString();

        var sent = await owner.InvokeAsync("SendToConversation", conversationId, new { body = "all here?", clientMessageId = "g-1" });
        var sortNumber = sent.GetProperty("sortNumber").GetInt64();

        var recipients = new HashSet<string>();
        while (recipients.Count < 2)
        {
            var delivered = await owner.NextAsync("message:delivered", d => d.GetProperty("sortNumber").GetInt64() >= sortNumber && !recipients.Contains(d.GetProperty("recipientId").GetString()!), timeoutMs: 10_000);
            recipients.Add(delivered.GetProperty("recipientId").GetString()!);
        }

        Assert.Equal(new HashSet<string> { users[1].Id, users[2].Id }, recipients);
        var receipts = await owner.InvokeAsync("GetReceipts", conversationId, sortNumber);
        Assert.Equal(2, receipts.GetProperty("deliveredTo").GetArrayLength());

        // Ann and Ben sent nothing: a receipt goes to the senders of what it covers, not to every member.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal((0, 0), (ann.Count("message:delivered"), ben.Count("message:delivered")));
    }

    [Fact]
    public async Task ListHideClearAndMarkUnread_OverHub_AsTheRestRoutes()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await using var alice = await HubTestClient.ConnectAsync(factory, users[0].Token);
        await using var bob = await HubTestClient.ConnectAsync(factory, users[1].Token);
        JsonElement sent = default;
        for (var i = 1; i <= 3; i++)
        {
            sent = await alice.InvokeAsync("SendMessage", new { organizationId, recipientId = users[1].Id, body = $"m{i}", clientMessageId = $"c{i}" });
        }

        var conversationId = sent.GetProperty("conversationId").GetString();
        var page = await bob.InvokeAsync("ListConversations", organizationId, new { sort = "name", limit = 10 });
        var entry = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal((conversationId, 3), (entry.GetProperty("id").GetString(), entry.GetProperty("unreadCount").GetInt32()));

        await bob.InvokeAsync("MarkRead", conversationId, 3);
        var unread = await bob.InvokeAsync("MarkUnread", conversationId, 3);
        Assert.Equal((2L, 1), (unread.GetProperty("readSortNumber").GetInt64(), unread.GetProperty("unreadCount").GetInt32()));
        var cleared = await bob.InvokeAsync("ClearHistory", conversationId, 3);
        Assert.Equal(0, cleared.GetProperty("unreadCount").GetInt32());

        await bob.InvokeAsync("HideConversation", conversationId);
        Assert.Empty((await bob.InvokeAsync("ListConversations", organizationId, null)).GetProperty("items").EnumerateArray());
        await Assert.ThrowsAsync<HubErrorException>(() => bob.InvokeAsync("ListConversations", organizationId, new { sort = "size" }));
    }

    [Fact]
    public async Task SendMessage_FromOneDevice_OtherDevicesGetItButNotTheSendingOne()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var otherDeviceToken = await factory.SignInAsync(users[0].Id, "tablet");
        await using var phone = await HubTestClient.ConnectAsync(factory, users[0].Token);
        await using var tablet = await HubTestClient.ConnectAsync(factory, otherDeviceToken);

        var sent = await phone.InvokeAsync("SendMessage", new { organizationId, recipientId = users[1].Id, body = "from my phone", clientMessageId = "e-1" });

        var echoed = await tablet.NextAsync("message");
        Assert.Equal(sent.GetProperty("id").GetString(), echoed.GetProperty("id").GetString());
        await phone.NextAsync("conversation:change");
        Assert.Equal(0, phone.Count("message"));
    }

    [Fact]
    public async Task SendCustomMessage_ToConnectedMembers_NotStoredNotEchoedAndOutsidersRefused()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (alice, bob, outsider) = (users[0], users[1], users[2]);
        await using var phone = await HubTestClient.ConnectAsync(factory, alice.Token);
        await using var tablet = await HubTestClient.ConnectAsync(factory, await factory.SignInAsync(alice.Id, "tablet"));
        await using var bobHub = await HubTestClient.ConnectAsync(factory, bob.Token);
        var conversationId = (await phone.InvokeAsync("SendMessage", new { organizationId, recipientId = bob.Id, body = "hi", clientMessageId = "h-1" })).GetProperty("conversationId").GetString();

        var custom = await phone.InvokeAsync("SendCustomMessage", conversationId, new { type = "call-invite", body = "room 7" });

        Assert.Equal(("call-invite", "room 7", alice.Id), (custom.GetProperty("type").GetString(), custom.GetProperty("body").GetString(), custom.GetProperty("senderId").GetString()));
        foreach (var device in new[] { bobHub, tablet })
        {
            Assert.Equal("room 7", (await device.NextAsync("message:custom")).GetProperty("body").GetString());
        }

        var history = await (await bob.Client.GetAsync($"/v1/conversations/{conversationId}/messages")).AssertOkAsync();
        Assert.Equal(1, history.GetArrayLength());
        Assert.Equal(0, phone.Count("message:custom"));

        // Over REST too; a device that connects afterwards never gets it; outsiders and bad types are refused.
        await (await bob.Client.PostJsonAsync($"/v1/conversations/{conversationId}/custom", new { type = "ping" })).AssertOkAsync();
        await phone.NextAsync("message:custom", m => m.GetProperty("type").GetString() == "ping");
        await using var late = await HubTestClient.ConnectAsync(factory, await factory.SignInAsync(bob.Id, "laptop"));
        await Task.Delay(300);
        Assert.Equal(0, late.Count("message:custom"));
        await (await outsider.Client.PostJsonAsync($"/v1/conversations/{conversationId}/custom", new { type = "ping" })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await bob.Client.PostJsonAsync($"/v1/conversations/{conversationId}/custom", new { type = "not an id" })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task SendMessage_OverRest_SameDeviceHubConnectionGetsNoEcho()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await using var phone = await HubTestClient.ConnectAsync(factory, users[0].Token);
        await using var bob = await HubTestClient.ConnectAsync(factory, users[1].Token);

        await users[0].Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = users[1].Id, body = "rest", clientMessageId = "rest-1" });

        await bob.NextAsync("message");
        await phone.NextAsync("conversation:change");
        Assert.Equal(0, phone.Count("message"));
    }

    [Fact]
    public async Task HubErrors_CarryTheStableCode()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var outsider = await factory.CreateUserAsync();
        await using var hub = await HubTestClient.ConnectAsync(factory, users[0].Token);

        var denied = await Assert.ThrowsAsync<HubErrorException>(() =>
            hub.InvokeAsync("SendMessage", new { organizationId, recipientId = outsider.Id, body = "hi", clientMessageId = "c" }));
        Assert.Contains("HubException: permission-denied: ", denied.Message, StringComparison.Ordinal);

        var invalid = await Assert.ThrowsAsync<HubErrorException>(() =>
            hub.InvokeAsync("SendMessage", new { organizationId, recipientId = "bad id", body = "hi", clientMessageId = "c" }));
        Assert.Contains("HubException: invalid-argument: ", invalid.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("SendMessage", [null]));
        Assert.Contains("HubException: invalid-argument: ", missing.Message, StringComparison.Ordinal);

        var badId = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("MarkRead", "nope", 1));
        Assert.Contains("HubException: invalid-argument: ", badId.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_InvalidToken_IsRefusedAsUnauthenticated()
    {
        using var client = factory.CreateUserClient("not-a-token");
        var negotiate = await client.PostAsync("/hubs/chat/negotiate?negotiateVersion=1", null);
        await negotiate.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => HubTestClient.ConnectAsync(factory, "not-a-token"));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignOut_ClosesThatDevicesHubConnections()
    {
        var (_, users) = await factory.ProvisionAsync(1);
        var otherToken = await factory.SignInAsync(users[0].Id, "laptop");
        await using var phone = await HubTestClient.ConnectAsync(factory, users[0].Token);
        await using var laptop = await HubTestClient.ConnectAsync(factory, otherToken);

        (await users[0].Client.PostAsync("/v1/auth/sign-out", null)).EnsureSuccessStatusCode();

        await phone.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(laptop.Closed.IsCompleted);
        await Assert.ThrowsAnyAsync<Exception>(() => HubTestClient.ConnectAsync(factory, users[0].Token));
    }

    [Fact]
    public async Task Connections_OneObserverPerUser_RemovedAfterLastConnectionCloses()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var connections = factory.Services.GetRequiredService<UserConnections>();
        var first = await HubTestClient.ConnectAsync(factory, users[0].Token);
        var second = await HubTestClient.ConnectAsync(factory, await factory.SignInAsync(users[0].Id, "laptop"));
        Assert.Equal(2, connections.ConnectionCount(users[0].Id));
        Assert.True(connections.IsObserved(users[0].Id));

        // One observer serves both connections: with one per connection, each connection would get every event twice.
        var sent = await users[1].Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = users[0].Id, body = "once", clientMessageId = "c1" });
        await sent.AssertOkAsync(HttpStatusCode.Created);
        await first.NextAsync("message");
        await second.NextAsync("message");
        await first.NextAsync("conversation:change");
        await second.NextAsync("conversation:change");
        await Task.Delay(200);
        Assert.Equal((1, 1), (first.Count("message"), second.Count("message")));
        Assert.Equal((1, 1), (first.Count("conversation:change"), second.Count("conversation:change")));

        await first.DisposeAsync();
        await WaitUntil(() => connections.ConnectionCount(users[0].Id) == 1);
        await second.DisposeAsync();
        await WaitUntil(() => connections.ConnectionCount(users[0].Id) == 0);
        Assert.False(connections.IsObserved(users[0].Id));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
