using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>1-1 messages across organizations over REST and the hub.</summary>
[Collection(ApiCollection.Name)]
public sealed class CrossOrganizationApiTests(ApiFactory factory)
{
    [Fact]
    public async Task Settings_AllowCrossOrganization_OffByDefaultSetByTheAdmin()
    {
        var (organizationId, _) = await factory.ProvisionAsync(0);
        using var admin = factory.CreateAdminClient();

        var created = await (await admin.GetAsync($"/v1/admin/organizations/{organizationId}")).AssertOkAsync();
        var set = await (await admin.PutAsJsonAsync($"/v1/admin/organizations/{organizationId}/settings", new { allowCrossOrganization = true })).AssertOkAsync();
        var read = await (await admin.GetAsync($"/v1/admin/organizations/{organizationId}")).AssertOkAsync();

        Assert.False(created.GetProperty("settings").GetProperty("allowCrossOrganization").GetBoolean());
        Assert.True(set.GetProperty("settings").GetProperty("allowCrossOrganization").GetBoolean());
        Assert.True(read.GetProperty("settings").GetProperty("allowCrossOrganization").GetBoolean());
        await (await admin.PutAsJsonAsync($"/v1/admin/organizations/{organizationId}/settings", new { allowCrossOrganization = "yes" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task SendMessage_BothAllow_201AndEachMemberHasItInTheirOwnOrganization()
    {
        var (a, alice, b, bob) = await PairAsync();

        var sent = await (await alice.Client.PostJsonAsync("/v1/messages", Send(a, bob.Id, b, "hello", "c-1"))).AssertOkAsync(HttpStatusCode.Created);

        var conversationId = sent.GetProperty("conversationId").GetString()!;
        Assert.Equal(4, conversationId.Split(':').Length);
        Assert.Equal(a, sent.GetProperty("organizationId").GetString());
        var bobList = (await (await bob.Client.GetAsync($"/v1/organizations/{b}/conversations")).AssertOkAsync()).GetProperty("items");
        var entry = Assert.Single(bobList.EnumerateArray());
        Assert.Equal((conversationId, b, alice.Id, 1), (entry.GetProperty("id").GetString(), entry.GetProperty("organizationId").GetString(), entry.GetProperty("counterpartyId").GetString(), entry.GetProperty("unreadCount").GetInt32()));
        Assert.Equal(1, (await (await bob.Client.GetAsync($"/v1/organizations/{b}/unread")).AssertOkAsync()).GetProperty("unreadCount").GetInt32());
        Assert.Equal(b, (await (await bob.Client.GetAsync($"/v1/conversations/{conversationId}")).AssertOkAsync()).GetProperty("organizationId").GetString());
        Assert.Equal(a, (await (await alice.Client.GetAsync($"/v1/conversations/{conversationId}")).AssertOkAsync()).GetProperty("organizationId").GetString());

        // Bob answers by conversation id, reads, and the rest of a 1-1 conversation works the same.
        var reply = await (await bob.Client.PostJsonAsync($"/v1/conversations/{conversationId}/messages", new { body = "hi back", clientMessageId = "c-2" })).AssertOkAsync(HttpStatusCode.Created);
        Assert.Equal(b, reply.GetProperty("organizationId").GetString());
        Assert.Equal(2, (await (await bob.Client.GetAsync($"/v1/conversations/{conversationId}/messages")).AssertOkAsync()).GetArrayLength());
        await (await bob.Client.PostJsonAsync($"/v1/conversations/{conversationId}/read", new { sortNumber = 1 })).AssertOkAsync();
        Assert.Equal(0, (await (await bob.Client.GetAsync($"/v1/organizations/{b}/unread")).AssertOkAsync()).GetProperty("unreadCount").GetInt32());
        var receipts = await (await alice.Client.GetAsync($"/v1/conversations/{conversationId}/messages/1/receipts")).AssertOkAsync();
        Assert.Equal(bob.Id, Assert.Single(receipts.GetProperty("readBy").EnumerateArray()).GetString());
        await (await alice.Client.PatchAsJsonAsync($"/v1/conversations/{conversationId}/messages/1", new { body = "hello!" })).AssertOkAsync();
        var changes = await (await bob.Client.GetAsync($"/v1/conversations/{conversationId}/changes")).AssertOkAsync();
        Assert.Equal("hello!", Assert.Single(changes.GetProperty("changes").EnumerateArray()).GetProperty("message").GetProperty("body").GetString());
        await (await bob.Client.PostJsonAsync($"/v1/conversations/{conversationId}/messages/2/recall", new { })).AssertOkAsync();
        await (await alice.Client.PostJsonAsync($"/v1/organizations/{a}/read", new { })).AssertOkAsync();
        Assert.Equal(0, (await (await alice.Client.GetAsync($"/v1/organizations/{a}/unread")).AssertOkAsync()).GetProperty("unreadCount").GetInt32());
    }

    [Fact]
    public async Task Conversation_AcrossOrganizations_OutsidersOfEitherOrganizationAreRefused()
    {
        var (a, alice, b, bob) = await PairAsync();
        var sent = await (await alice.Client.PostJsonAsync("/v1/messages", Send(a, bob.Id, b, "just us", "c-1"))).AssertOkAsync(HttpStatusCode.Created);
        var conversationId = sent.GetProperty("conversationId").GetString()!;
        var colleagueOfAlice = await AddUserAsync(a);
        var colleagueOfBob = await AddUserAsync(b);

        foreach (var outsider in new[] { colleagueOfAlice, colleagueOfBob, await factory.CreateUserAsync() })
        {
            await (await outsider.Client.GetAsync($"/v1/conversations/{conversationId}")).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
            await (await outsider.Client.GetAsync($"/v1/conversations/{conversationId}/messages")).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
            await (await outsider.Client.PostJsonAsync($"/v1/conversations/{conversationId}/messages", new { body = "me too", clientMessageId = "x" }))
                .AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        }

        Assert.Empty((await (await colleagueOfBob.Client.GetAsync($"/v1/organizations/{b}/conversations")).AssertOkAsync()).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task SendMessage_NotAllowedOrRecipientNotThere_403WithOneAnswerAndNothingStored()
    {
        var (a, alice, b, bob) = await PairAsync(secondAllows: false);
        var notInB = await AddUserAsync(a);

        var disallowed = await (await alice.Client.PostJsonAsync("/v1/messages", Send(a, bob.Id, b, "hi", "c-1"))).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await SetAllowedAsync(b, true);
        var notMember = await (await alice.Client.PostJsonAsync("/v1/messages", Send(a, notInB.Id, b, "hi", "c-2"))).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        var missing = await (await alice.Client.PostJsonAsync("/v1/messages", Send(a, ApiFactory.NewId("user"), b, "hi", "c-3"))).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");

        Assert.Equal(missing.GetProperty("detail").GetString(), notMember.GetProperty("detail").GetString());
        Assert.Equal(missing.GetProperty("detail").GetString(), disallowed.GetProperty("detail").GetString());
        Assert.Empty((await (await bob.Client.GetAsync($"/v1/organizations/{b}/conversations")).AssertOkAsync()).GetProperty("items").EnumerateArray());
        Assert.Empty((await (await alice.Client.GetAsync($"/v1/organizations/{a}/conversations")).AssertOkAsync()).GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("""{"organizationId":"o","recipientId":"r","recipientOrganizationId":"bad id","body":"hi","clientMessageId":"c"}""")]
    [InlineData("""{"organizationId":"o","recipientId":"r","recipientOrganizationId":7,"body":"hi","clientMessageId":"c"}""")]
    public async Task SendMessage_InvalidRecipientOrganization_400InvalidArgument(string body)
    {
        var (_, alice, _, _) = await PairAsync();

        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        await (await alice.Client.PostAsync("/v1/messages", content)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Theory]
    [InlineData("o1:b:o2:a")]
    [InlineData("o1:a:o1:b")]
    [InlineData("o1:a:o2:b:c")]
    public async Task ConversationRoutes_NonCanonicalFourPartIds_400InvalidArgument(string conversationId)
    {
        var (_, alice, _, _) = await PairAsync();

        await (await alice.Client.GetAsync($"/v1/conversations/{conversationId}")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await alice.Client.GetAsync($"/v1/conversations/{conversationId}/messages")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task Hub_SendMessageAcrossOrganizations_TheRecipientsDeviceGetsItNamingTheirOrganization()
    {
        var (a, alice, b, bob) = await PairAsync();
        await using var aliceHub = await HubTestClient.ConnectAsync(factory, alice.Token);
        await using var bobHub = await HubTestClient.ConnectAsync(factory, bob.Token);
        await bobHub.InvokeAsync("ListConversations", b, null);

        var sent = await aliceHub.InvokeAsync("SendMessage", new { organizationId = a, recipientId = bob.Id, recipientOrganizationId = b, body = "over the hub", clientMessageId = "h-1" });

        var message = await bobHub.NextAsync("message");
        Assert.Equal((sent.GetProperty("id").GetString(), a), (message.GetProperty("id").GetString(), message.GetProperty("organizationId").GetString()));
        var change = await bobHub.NextAsync("conversation:change");
        Assert.Equal(b, change.GetProperty("conversation").GetProperty("organizationId").GetString());
        Assert.Equal((b, 1), (change.GetProperty("unread").GetProperty("organizationId").GetString(), change.GetProperty("unread").GetProperty("unreadCount").GetInt32()));
        var conversationId = sent.GetProperty("conversationId").GetString();
        Assert.Equal(conversationId, Assert.Single((await bobHub.InvokeAsync("ListConversations", b, null)).GetProperty("items").EnumerateArray()).GetProperty("id").GetString());

        await bobHub.InvokeAsync("MarkRead", conversationId, 1);
        var read = await aliceHub.NextAsync("message:read");
        Assert.Equal((bob.Id, b), (read.GetProperty("readerId").GetString(), read.GetProperty("organizationId").GetString()));

        // A new conversation asks both organizations at once.
        var carol = await AddUserAsync(b);
        await SetAllowedAsync(a, false);
        var refused = await Assert.ThrowsAsync<HubErrorException>(() =>
            aliceHub.InvokeAsync("SendMessage", new { organizationId = a, recipientId = carol.Id, recipientOrganizationId = b, body = "new", clientMessageId = "h-2" }));
        Assert.Contains("HubException: permission-denied: ", refused.Message, StringComparison.Ordinal);
        var invalid = await Assert.ThrowsAsync<HubErrorException>(() =>
            aliceHub.InvokeAsync("SendMessage", new { organizationId = a, recipientId = bob.Id, recipientOrganizationId = "bad id", body = "x", clientMessageId = "h-3" }));
        Assert.Contains("HubException: invalid-argument: ", invalid.Message, StringComparison.Ordinal);
    }

    private static object Send(string organizationId, string recipientId, string recipientOrganizationId, string body, string clientMessageId) =>
        new { organizationId, recipientId, recipientOrganizationId, body, clientMessageId };

    /// <summary>Alice in organization A, Bob in organization B, each organization allowing conversations across organizations or not.</summary>
    private async Task<(string A, TestUser Alice, string B, TestUser Bob)> PairAsync(bool firstAllows = true, bool secondAllows = true)
    {
        var (a, alices) = await factory.ProvisionAsync(1);
        var (b, bobs) = await factory.ProvisionAsync(1);
        await SetAllowedAsync(a, firstAllows);
        await SetAllowedAsync(b, secondAllows);
        return (a, alices[0], b, bobs[0]);
    }

    private async Task SetAllowedAsync(string organizationId, bool allowed)
    {
        using var admin = factory.CreateAdminClient();
        await (await admin.PutAsJsonAsync($"/v1/admin/organizations/{organizationId}/settings", new { allowCrossOrganization = allowed })).AssertOkAsync();
    }

    private async Task<TestUser> AddUserAsync(string organizationId)
    {
        var user = await factory.CreateUserAsync();
        using var admin = factory.CreateAdminClient();
        (await admin.PutAsync($"/v1/admin/organizations/{organizationId}/members/{user.Id}", null)).EnsureSuccessStatusCode();
        return user;
    }
}
