using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>Edit, recall, delete for me, pins, reactions and catch-up over REST and the hub, with their problems.</summary>
[Collection(ApiCollection.Name)]
public sealed class MessageChangesApiTests(ApiFactory factory)
{
    [Fact]
    public async Task EditRecallAndCatchUp_OverRest_WithTheHubEventsOnTheOtherDevice()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        await using var bobHub = await HubTestClient.ConnectAsync(factory, bob.Token);
        var path = await SendAsync(alice, organizationId, bob.Id, "helo");

        var edited = await (await alice.Client.PatchAsJsonAsync(path, new { body = "hello" })).AssertOkAsync();
        Assert.Equal(("hello", 1L), (edited.GetProperty("body").GetString(), edited.GetProperty("changeNumber").GetInt64()));
        var updated = await bobHub.NextAsync("message:updated");
        Assert.Equal(("edited", "hello"), (updated.GetProperty("kind").GetString(), updated.GetProperty("message").GetProperty("body").GetString()));

        await (await bob.Client.PatchAsJsonAsync(path, new { body = "mine now" })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await alice.Client.PatchAsJsonAsync(path, new { body = "" })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await bob.Client.PostAsync($"{path}/recall", null)).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");

        var tombstone = await (await alice.Client.PostAsync($"{path}/recall", null)).AssertOkAsync();
        Assert.Equal(("", alice.Id), (tombstone.GetProperty("body").GetString(), tombstone.GetProperty("recalled").GetProperty("byUserId").GetString()));
        var recalled = await bobHub.NextAsync("message:recalled");
        Assert.Equal(2, recalled.GetProperty("changeNumber").GetInt64());

        var changes = await (await bob.Client.GetAsync($"{ConversationPath(path)}/changes?after=0")).AssertOkAsync();
        Assert.Equal(["edited", "recalled"], changes.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("kind").GetString()));
        Assert.Equal((2L, false), (changes.GetProperty("next").GetInt64(), changes.GetProperty("hasMore").GetBoolean()));
        await (await bob.Client.GetAsync($"{ConversationPath(path)}/changes?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task DeleteForMe_PinsAndReactions_OverRest()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var path = await SendAsync(alice, organizationId, bob.Id, "pin me");
        var conversation = ConversationPath(path);

        Assert.Equal(HttpStatusCode.NoContent, (await bob.Client.PostAsync($"{path}/delete-for-me", null)).StatusCode);
        Assert.Equal(0, (await (await bob.Client.GetAsync($"{conversation}/messages")).AssertOkAsync()).GetArrayLength());
        Assert.Equal(1, (await (await alice.Client.GetAsync($"{conversation}/messages")).AssertOkAsync()).GetArrayLength());
        await (await bob.Client.GetAsync(path)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        var pinned = await (await alice.Client.PutAsync($"{path}/pin", null)).AssertOkAsync();
        Assert.Equal(alice.Id, pinned.GetProperty("pinned").GetProperty("byUserId").GetString());
        Assert.Equal(1, (await (await alice.Client.GetAsync($"{conversation}/pins")).AssertOkAsync()).GetArrayLength());
        Assert.Equal(0, (await (await bob.Client.GetAsync($"{conversation}/pins")).AssertOkAsync()).GetArrayLength()); // deleted for him
        await (await alice.Client.DeleteAsync($"{path}/pin")).AssertOkAsync();
        Assert.Equal(0, (await (await alice.Client.GetAsync($"{conversation}/pins")).AssertOkAsync()).GetArrayLength());

        var thumbs = Uri.EscapeDataString("👍");
        var reacted = await (await alice.Client.PutAsync($"{path}/reactions/{thumbs}", null)).AssertOkAsync();
        var reaction = Assert.Single(reacted.GetProperty("reactions").EnumerateArray());
        Assert.Equal(("👍", 1, alice.Id), (reaction.GetProperty("emoji").GetString(), reaction.GetProperty("count").GetInt32(), reaction.GetProperty("userIds")[0].GetString()));
        var removed = await (await alice.Client.DeleteAsync($"{path}/reactions/{thumbs}")).AssertOkAsync();
        Assert.Equal(JsonValueKind.Null, removed.GetProperty("reactions").ValueKind);
        await (await alice.Client.PutAsync($"{path}/reactions/{Uri.EscapeDataString("no spaces")}", null)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task AnOutsider_CannotChangeOrReadChanges()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var outsider = await factory.CreateUserAsync();
        var path = await SendAsync(users[0], organizationId, users[1].Id, "private");

        await (await outsider.Client.PatchAsJsonAsync(path, new { body = "x" })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await outsider.Client.PostAsync($"{path}/recall", null)).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await outsider.Client.PutAsync($"{path}/pin", null)).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        var changes = await (await outsider.Client.GetAsync($"{ConversationPath(path)}/changes")).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        Assert.DoesNotContain("private", changes.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hub_EditReactAndGetChanges()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        await using var aliceHub = await HubTestClient.ConnectAsync(factory, alice.Token);
        await using var bobHub = await HubTestClient.ConnectAsync(factory, bob.Token);
        var sent = await aliceHub.InvokeAsync("SendMessage", new { organizationId, recipientId = bob.Id, body = "hub", clientMessageId = "h-1" });
        var conversationId = sent.GetProperty("conversationId").GetString();

        await aliceHub.InvokeAsync("EditMessage", conversationId, 1, new { body = "hub edited" });
        await bobHub.InvokeAsync("AddReaction", conversationId, 1, "🎉");
        await bobHub.InvokeAsync("PinMessage", conversationId, 1);

        var page = await bobHub.InvokeAsync("GetChanges", conversationId, 0, null);
        Assert.Equal(["edited", "reactionAdded", "pinned"], page.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("kind").GetString()));
        var lastSeen = await aliceHub.NextAsync("message:updated", c => c.GetProperty("changeNumber").GetInt64() == 3);
        Assert.Equal("hub edited", lastSeen.GetProperty("message").GetProperty("body").GetString());
    }

    [Fact]
    public async Task ThreadsMentionsAndTimeToLive_OverRest()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var path = await SendAsync(alice, organizationId, bob.Id, "topic");
        var conversation = ConversationPath(path);

        var reply = await (await bob.Client.PostJsonAsync($"{conversation}/messages", new { body = $"re @{alice.Id}", clientMessageId = "r-1", parentSortNumber = 1 }))
            .AssertOkAsync(HttpStatusCode.Created);
        Assert.Equal((1L, alice.Id), (reply.GetProperty("parentSortNumber").GetInt64(), reply.GetProperty("mentions")[0].GetString()));
        var thread = await (await alice.Client.GetAsync($"{path}/thread")).AssertOkAsync();
        Assert.Equal(1, thread.GetProperty("parent").GetProperty("thread").GetProperty("replyCount").GetInt32());
        Assert.Equal("re @" + alice.Id, thread.GetProperty("replies")[0].GetProperty("body").GetString());
        var read = await (await alice.Client.PostJsonAsync($"{path}/thread/read", new { sortNumber = 2 })).AssertOkAsync();
        Assert.Equal(2, read.GetProperty("readSortNumber").GetInt64());
        var view = await (await alice.Client.GetAsync(conversation)).AssertOkAsync();
        Assert.Equal((0, 1), (view.GetProperty("unreadCount").GetInt32(), view.GetProperty("mentionUnreadCount").GetInt32()));

        using var admin = factory.CreateAdminClient();
        var settings = await (await admin.PutAsJsonAsync($"/v1/admin/organizations/{organizationId}/settings", new { maxMessageTtlMinutes = 10 })).AssertOkAsync();
        Assert.Equal(10, settings.GetProperty("settings").GetProperty("maxMessageTtlMinutes").GetInt32());
        var brief = await (await alice.Client.PostJsonAsync($"{conversation}/messages", new { body = "brief", clientMessageId = "t-1", ttlMinutes = 60, deleteOnRead = true }))
            .AssertOkAsync(HttpStatusCode.Created);
        var lifetime = brief.GetProperty("expiresAt").GetDateTimeOffset() - brief.GetProperty("createdAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromMinutes(10), lifetime);
        Assert.True(brief.GetProperty("deleteOnRead").GetBoolean());
        await (await alice.Client.PostJsonAsync($"{conversation}/messages", new { body = "x", clientMessageId = "t-2", ttlMinutes = 0 })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await admin.PutAsJsonAsync($"/v1/admin/organizations/{organizationId}/settings", new { maxMessageTtlMinutes = 0 })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    /// <summary>Sends a 1-1 message and returns the path of the stored message.</summary>
    private static async Task<string> SendAsync(TestUser from, string organizationId, string toId, string body)
    {
        var message = await (await from.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = toId, body, clientMessageId = ApiFactory.NewId("c") }))
            .AssertOkAsync(HttpStatusCode.Created);
        return $"/v1/conversations/{Uri.EscapeDataString(message.GetProperty("conversationId").GetString()!)}/messages/{message.GetProperty("sortNumber").GetInt64()}";
    }

    private static string ConversationPath(string messagePath) => messagePath[..messagePath.IndexOf("/messages/", StringComparison.Ordinal)];
}
