using System.Net;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>My conversations a page at a time, by activity or by name, since a time; hiding one; clearing my history.</summary>
[Collection(ApiCollection.Name)]
public sealed class ConversationListTests(ApiFactory factory)
{
    [Fact]
    public async Task List_ByRecentAndByName_PagesCoverEveryConversationOnceInOrder()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (me, other) = (users[0], users[1]);
        foreach (var name in new[] { "charlie", "Émile", "Alpha" })
        {
            await CreateGroupAsync(me, organizationId, name, other.Id);
        }

        await (await other.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = me.Id, body = "hi", clientMessageId = "d-1" })).AssertOkAsync(HttpStatusCode.Created);

        // By name: case and accents do not count; the 1-1 conversation is named after the other member.
        var byName = await AllPagesAsync(me, organizationId, "sort=name&limit=2");
        Assert.Equal(["Alpha", "charlie", "Émile", $"User {other.Id[..9]}"], byName.Select(NameOf));

        // By activity: the 1-1 message came last.
        var recent = await AllPagesAsync(me, organizationId, "limit=3");
        Assert.Equal(["direct", "group", "group", "group"], recent.Select(e => e.GetProperty("kind").GetString()));
        Assert.Equal(["Alpha", "Émile", "charlie"], recent.Skip(1).Select(NameOf));
        var updatedAt = recent.Select(e => e.GetProperty("updatedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(updatedAt.OrderDescending(), updatedAt);

        // Since a time: only what changed after it.
        var since = Uri.EscapeDataString(recent[2].GetProperty("updatedAt").GetString()!);
        var newer = await AllPagesAsync(me, organizationId, $"updatedAfter={since}");
        Assert.Equal(recent.Take(2).Select(e => e.GetProperty("id").GetString()), newer.Select(e => e.GetProperty("id").GetString()));

        // My groups by a name prefix, case and accents ignored; a bad kind is refused.
        var found = await AllPagesAsync(me, organizationId, "sort=name&limit=1&kind=group&name=E");
        Assert.Equal(["Émile"], found.Select(NameOf));
        Assert.Empty(await AllPagesAsync(me, organizationId, "kind=direct&name=char"));
        await (await me.Client.GetAsync($"/v1/organizations/{organizationId}/conversations?kind=forum")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task List_BadSortOrContinuation_400AndAnotherSortsTokenIsRefused()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        for (var i = 0; i < 3; i++)
        {
            await CreateGroupAsync(users[0], organizationId, $"g{i}", users[1].Id);
        }

        var page = await GetPageAsync(users[0], organizationId, "limit=1");
        var token = Uri.EscapeDataString(page.GetProperty("continuation").GetString()!);

        var beyondEveryKey = Uri.EscapeDataString(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("r:\uffff\uffff")).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
        Assert.Empty((await GetPageAsync(users[0], organizationId, $"continuation={beyondEveryKey}")).GetProperty("items").EnumerateArray());

        foreach (var query in new[] { "sort=size", "continuation=%25%25", $"sort=name&continuation={token}", "limit=0" })
        {
            await (await users[0].Client.GetAsync($"/v1/organizations/{organizationId}/conversations?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        }
    }

    [Fact]
    public async Task Hide_Conversation_LeavesTheListUntilItsNextMessage()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (me, other) = (users[0], users[1]);
        var sent = await (await other.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = me.Id, body = "one", clientMessageId = "1" })).AssertOkAsync(HttpStatusCode.Created);
        var conversationId = sent.GetProperty("conversationId").GetString()!;

        var hide = await me.Client.PostAsync($"/v1/conversations/{conversationId}/hide", null);
        Assert.Equal(HttpStatusCode.NoContent, hide.StatusCode);
        Assert.Empty(await AllPagesAsync(me, organizationId, ""));
        Assert.Single(await AllPagesAsync(other, organizationId, "")); // Mine to hide, not theirs.

        await (await other.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = me.Id, body = "two", clientMessageId = "2" })).AssertOkAsync(HttpStatusCode.Created);
        var back = Assert.Single(await AllPagesAsync(me, organizationId, ""));
        Assert.Equal((conversationId, 2), (back.GetProperty("id").GetString(), back.GetProperty("unreadCount").GetInt32()));

        // Only conversations in my list can be hidden.
        await (await users[2].Client.PostAsync($"/v1/conversations/{conversationId}/hide", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task ClearHistory_UpToASortNumber_GoneForMeOnly()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (me, other) = (users[0], users[1]);
        string conversationId = "";
        for (var i = 1; i <= 3; i++)
        {
            var sent = await (await other.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = me.Id, body = $"m{i}", clientMessageId = $"{i}" })).AssertOkAsync(HttpStatusCode.Created);
            conversationId = sent.GetProperty("conversationId").GetString()!;
        }

        var view = await (await me.Client.PostJsonAsync($"/v1/conversations/{conversationId}/clear", new { sortNumber = 2 })).AssertOkAsync();
        Assert.Equal(1, view.GetProperty("unreadCount").GetInt32());
        var mine = await (await me.Client.GetAsync($"/v1/conversations/{conversationId}/messages?order=oldest")).AssertOkAsync();
        Assert.Equal(["m3"], mine.EnumerateArray().Select(m => m.GetProperty("body").GetString()));
        var theirs = await (await other.Client.GetAsync($"/v1/conversations/{conversationId}/messages?order=oldest")).AssertOkAsync();
        Assert.Equal(3, theirs.GetArrayLength());

        var all = await (await me.Client.PostJsonAsync($"/v1/conversations/{conversationId}/clear", new { sortNumber = 1_000 })).AssertOkAsync();
        Assert.Equal((0, JsonValueKind.Null), (all.GetProperty("unreadCount").GetInt32(), all.GetProperty("lastMessage").ValueKind));
        Assert.Equal(0, (await (await me.Client.GetAsync($"/v1/conversations/{conversationId}/messages")).AssertOkAsync()).GetArrayLength());
    }

    private static string NameOf(JsonElement entry) => entry.GetProperty("name").GetString()!;

    private static async Task CreateGroupAsync(TestUser owner, string organizationId, string name, string memberId) =>
        await (await owner.Client.PostJsonAsync($"/v1/organizations/{organizationId}/groups", new { name, memberIds = new[] { memberId } })).AssertOkAsync(HttpStatusCode.Created);

    private static async Task<JsonElement> GetPageAsync(TestUser user, string organizationId, string query) =>
        await (await user.Client.GetAsync($"/v1/organizations/{organizationId}/conversations?{query}")).AssertOkAsync();

    /// <summary>Every page in turn, following the continuation.</summary>
    private static async Task<List<JsonElement>> AllPagesAsync(TestUser user, string organizationId, string query)
    {
        var items = new List<JsonElement>();
        var next = query;
        while (true)
        {
            var page = await GetPageAsync(user, organizationId, next);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            if (page.GetProperty("continuation").ValueKind == JsonValueKind.Null)
            {
                return items;
            }

            next = $"{query}&continuation={Uri.EscapeDataString(page.GetProperty("continuation").GetString()!)}";
        }
    }
}
