using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>Presence, subscriptions and privacy lists over REST and the hub, with who may see what.</summary>
[Collection(ApiCollection.Name)]
public sealed class PresenceApiTests(ApiFactory factory)
{
    [Fact]
    public async Task SubscribedUser_ConnectingAndGoingToTheBackground_ComesAsPresenceChange_ToSubscribersOnly()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (watched, watcher, bystander) = (users[0], users[1], users[2]);
        await using var watcherHub = await ConnectedAsync(watcher.Token, organizationId);
        await using var bystanderHub = await ConnectedAsync(bystander.Token, organizationId);

        var subscribed = await (await watcher.Client.PostJsonAsync("/v1/me/subscriptions", new { userIds = new[] { watched.Id } })).AssertOkAsync();
        Assert.Equal((watched.Id, "UNAVAILABLE"), (subscribed[0].GetProperty("userId").GetString(), subscribed[0].GetProperty("status").GetString()));
        await watcherHub.NextAsync("user:subscribed", e => e.GetProperty("userId").GetString() == watched.Id);

        await using var watchedHub = await ConnectedAsync(watched.Token, organizationId);
        await watcherHub.NextAsync("presence:change", e => e.GetProperty("status").GetString() == "AVAILABLE");
        await watchedHub.InvokeAsync("SetActive", false);
        var away = await watcherHub.NextAsync("presence:change", e => e.GetProperty("status").GetString() == "UNAVAILABLE");
        Assert.Equal(watched.Id, away.GetProperty("userId").GetString());

        var presence = await (await watcher.Client.GetAsync($"/v1/users/{watched.Id}/presence")).AssertOkAsync();
        Assert.Equal("UNAVAILABLE", presence.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, presence.GetProperty("lastActivitySeconds").ValueKind);
        Assert.DoesNotContain(bystanderHub.Received(), e => e.Target == "presence:change");
    }

    [Fact]
    public async Task Presence_OfAUserOfAnotherOrganization_IsTheSameNotFoundAsAMissingUser_AndLeftOutOfAList()
    {
        var (_, mine) = await factory.ProvisionAsync(2);
        var (_, theirs) = await factory.ProvisionAsync(1);

        var outsider = await (await mine[0].Client.GetAsync($"/v1/users/{theirs[0].Id}/presence")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var missing = await (await mine[0].Client.GetAsync($"/v1/users/{ApiFactory.NewId("nobody")}/presence")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(outsider.GetProperty("detail").GetString(), missing.GetProperty("detail").GetString());

        var many = await (await mine[0].Client.GetAsync($"/v1/users/presence?userIds={mine[1].Id},{theirs[0].Id}")).AssertOkAsync();
        Assert.Equal([mine[1].Id], many.EnumerateArray().Select(p => p.GetProperty("userId").GetString()));
        await (await mine[0].Client.PostJsonAsync("/v1/me/subscriptions", new { userIds = new[] { theirs[0].Id } })).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.Empty((await (await mine[0].Client.GetAsync("/v1/me/subscriptions")).AssertOkAsync()).EnumerateArray());
    }

    [Fact]
    public async Task Unsubscribe_OneAndAll_OverRestAndTheHub()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        await using var hub = await ConnectedAsync(users[0].Token, organizationId);

        await hub.InvokeAsync("Subscribe", (object)new[] { users[1].Id, users[2].Id });
        (await users[0].Client.DeleteAsync($"/v1/me/subscriptions/{users[1].Id}")).EnsureSuccessStatusCode();
        var left = await hub.InvokeAsync("GetSubscriptions");
        Assert.Equal([users[2].Id], left.EnumerateArray().Select(p => p.GetProperty("userId").GetString()));

        await hub.InvokeAsync("UnsubscribeAll");
        Assert.Empty((await (await users[0].Client.GetAsync("/v1/me/subscriptions")).AssertOkAsync()).EnumerateArray());
        await hub.NextAsync("user:unsubscribed", e => e.GetProperty("userId").GetString() == users[2].Id);
    }

    [Fact]
    public async Task ActiveDenyList_RefusesTheDeniedUsersSend_HidesMyPresence_AndListsRoundTrip()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (me, them) = (users[0], users[1]);

        var list = await (await me.Client.PutAsJsonAsync("/v1/me/privacy-lists/blocked", new { items = new[] { new { userId = them.Id, action = "deny" } } })).AssertOkAsync();
        Assert.Equal(("blocked", false), (list.GetProperty("name").GetString(), list.GetProperty("active").GetBoolean()));
        (await me.Client.PutAsJsonAsync("/v1/me/active-privacy-list", new { name = "blocked" })).EnsureSuccessStatusCode();

        await (await them.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = me.Id, body = "hi", clientMessageId = "t-1" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        (await me.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = them.Id, body = "one way", clientMessageId = "m-1" })).EnsureSuccessStatusCode();
        var seen = await (await them.Client.GetAsync($"/v1/users/{me.Id}/presence")).AssertOkAsync();
        Assert.Equal("UNKNOWN", seen.GetProperty("status").GetString());

        var lists = await (await me.Client.GetAsync("/v1/me/privacy-lists")).AssertOkAsync();
        var only = Assert.Single(lists.EnumerateArray());
        Assert.True(only.GetProperty("active").GetBoolean());
        Assert.Equal("deny", only.GetProperty("items")[0].GetProperty("action").GetString());

        await (await me.Client.PutAsJsonAsync("/v1/me/privacy-lists/bad", new { items = new[] { new { userId = me.Id, action = "deny" } } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await me.Client.PutAsJsonAsync("/v1/me/active-privacy-list", new { name = "missing" })).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        (await me.Client.DeleteAsync("/v1/me/privacy-lists/blocked")).EnsureSuccessStatusCode();
        (await them.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = me.Id, body = "hi again", clientMessageId = "t-2" })).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task GroupHistoryAndThreads_LeaveOutTheMessagesOfMembersIBlocked()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (me, them, other) = (users[0], users[1], users[2]);
        var created = await (await other.Client.PostJsonAsync($"/v1/organizations/{organizationId}/groups", new { name = "Team", memberIds = new[] { me.Id, them.Id } }))
            .AssertOkAsync(HttpStatusCode.Created);
        var groupId = created.GetProperty("group").GetProperty("id").GetString();
        await using var myHub = await ConnectedAsync(me.Token, organizationId);
        await myHub.InvokeAsync("SetPrivacyList", "blocked", new[] { new { userId = them.Id, action = "deny", mutual = false } });
        await myHub.InvokeAsync("SetActivePrivacyList", "blocked");

        (await them.Client.PostJsonAsync($"/v1/conversations/{groupId}/messages", new { body = "from them", clientMessageId = "t-1" })).EnsureSuccessStatusCode();
        var fromOther = await (await other.Client.PostJsonAsync($"/v1/conversations/{groupId}/messages", new { body = "from other", clientMessageId = "o-1" })).AssertOkAsync(HttpStatusCode.Created);
        var parent = fromOther.GetProperty("sortNumber").GetInt64();
        (await them.Client.PostJsonAsync($"/v1/conversations/{groupId}/messages", new { body = "their reply", clientMessageId = "t-2", parentSortNumber = parent })).EnsureSuccessStatusCode();
        (await other.Client.PostJsonAsync($"/v1/conversations/{groupId}/messages", new { body = "other's reply", clientMessageId = "o-2", parentSortNumber = parent })).EnsureSuccessStatusCode();

        await myHub.NextAsync("message", m => m.GetProperty("body").GetString() == "from other");
        Assert.DoesNotContain(myHub.Received(), e => e.Target == "message" && e.Argument.GetProperty("senderId").GetString() == them.Id);
        var history = await (await me.Client.GetAsync($"/v1/conversations/{groupId}/messages")).AssertOkAsync();
        Assert.DoesNotContain(history.EnumerateArray(), m => m.GetProperty("senderId").GetString() == them.Id);
        var myThread = await (await me.Client.GetAsync($"/v1/conversations/{groupId}/messages/{parent}/thread")).AssertOkAsync();
        Assert.Equal(["other's reply"], myThread.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("body").GetString()));
        var theirView = await (await other.Client.GetAsync($"/v1/conversations/{groupId}/messages")).AssertOkAsync();
        Assert.Contains(theirView.EnumerateArray(), m => m.GetProperty("body").GetString() == "from them");
    }

    /// <summary>A hub connection whose events are flowing (its first call is answered once it is subscribed).</summary>
    private async Task<HubTestClient> ConnectedAsync(string token, string organizationId)
    {
        var hub = await HubTestClient.ConnectAsync(factory, token);
        await hub.InvokeAsync("ListConversations", organizationId, null);
        return hub;
    }
}
