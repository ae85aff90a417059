using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>Message text search over REST and the hub: ranking, pages, highlights, what each reader may see, bad queries.</summary>
[Collection(ApiCollection.Name)]
public sealed class MessageSearchApiTests(ApiFactory factory)
{
    [Fact]
    public async Task Search_RanksPagesAndHighlights_IgnoringCaseAndAccents()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var once = await SendAsync(alice, organizationId, bob.Id, "Quarterly report draft");
        var twice = await SendAsync(alice, organizationId, bob.Id, "the report is late, report soon");
        await SendAsync(alice, organizationId, bob.Id, "lunch?");
        var accented = await SendAsync(alice, organizationId, bob.Id, "Rapport Émigré");

        var all = await SearchAsync(alice, organizationId, "q=REPORT");
        Assert.Equal([twice.SortNumber, once.SortNumber], SortNumbers(all));
        Assert.True(all.GetProperty("items")[0].GetProperty("rank").GetDouble() > all.GetProperty("items")[1].GetProperty("rank").GetDouble());
        Assert.Equal(JsonValueKind.Null, all.GetProperty("continuation").ValueKind);
        var hit = all.GetProperty("items")[1];
        Assert.Equal((once.ConversationId, "Quarterly report draft"), (hit.GetProperty("conversationId").GetString(), hit.GetProperty("message").GetProperty("body").GetString()));
        Assert.Equal([(10, 6)], Ranges(hit));
        Assert.Equal([(4, 6), (20, 6)], Ranges(all.GetProperty("items")[0]));

        var first = await SearchAsync(alice, organizationId, "q=report&limit=1");
        Assert.Equal([twice.SortNumber], SortNumbers(first));
        var next = await SearchAsync(alice, organizationId, $"q=report&limit=1&continuation={first.GetProperty("continuation").GetString()}");
        Assert.Equal([once.SortNumber], SortNumbers(next));

        var prefixes = await SearchAsync(alice, organizationId, "q=emig%20rapp");
        Assert.Equal([accented.SortNumber], SortNumbers(prefixes));
        Assert.Equal([(0, 7), (8, 6)], Ranges(prefixes.GetProperty("items")[0]));

        // The recipient hears of the conversation in the background; once it is in their list, they find it too.
        await Problems.EventuallyAsync(async () => SortNumbers(await SearchAsync(bob, organizationId, "q=quarterly")).SequenceEqual([once.SortNumber]));
    }

    [Fact]
    public async Task Search_FollowsRecallEditAndDeleteForMe()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var recalled = await SendAsync(alice, organizationId, bob.Id, "alpha one");
        var edited = await SendAsync(alice, organizationId, bob.Id, "alpha two");
        var hidden = await SendAsync(alice, organizationId, bob.Id, "alpha three");
        await Problems.EventuallyAsync(async () => SortNumbers(await SearchAsync(bob, organizationId, "q=alpha")).Length == 3);

        (await alice.Client.PostAsync($"{recalled.Path}/recall", null)).EnsureSuccessStatusCode();
        (await alice.Client.PatchAsJsonAsync(edited.Path, new { body = "beta two" })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NoContent, (await bob.Client.PostAsync($"{hidden.Path}/delete-for-me", null)).StatusCode);

        Assert.Equal([hidden.SortNumber], SortNumbers(await SearchAsync(alice, organizationId, "q=alpha")));
        Assert.Empty(SortNumbers(await SearchAsync(bob, organizationId, "q=alpha")));
        var beta = await SearchAsync(bob, organizationId, "q=beta");
        Assert.Equal([edited.SortNumber], SortNumbers(beta));
        Assert.Equal("beta two", beta.GetProperty("items")[0].GetProperty("message").GetProperty("body").GetString());
    }

    [Fact]
    public async Task Search_DeleteOnRead_GoneOnceRead()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var sent = await (await alice.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = bob.Id, body = "ephemeral words", clientMessageId = "d-1", deleteOnRead = true }))
            .AssertOkAsync(HttpStatusCode.Created);
        var conversationId = sent.GetProperty("conversationId").GetString()!;
        Assert.Single(SortNumbers(await SearchAsync(alice, organizationId, "q=ephemeral")));

        (await bob.Client.PostJsonAsync($"/v1/conversations/{Uri.EscapeDataString(conversationId)}/read", new { sortNumber = 1 })).EnsureSuccessStatusCode();

        await Problems.EventuallyAsync(async () => SortNumbers(await SearchAsync(alice, organizationId, "q=ephemeral")).Length == 0);
    }

    [Fact]
    public async Task Search_Group_KeepsToMyWindowAndLeavesOutWhomISilence()
    {
        var (organizationId, users) = await factory.ProvisionAsync(4);
        var (owner, me, them, late) = (users[0], users[1], users[2], users[3]);
        var created = await (await owner.Client.PostJsonAsync($"/v1/organizations/{organizationId}/groups", new { name = "Team", memberIds = new[] { me.Id, them.Id }, replayHistory = false }))
            .AssertOkAsync(HttpStatusCode.Created);
        var groupId = created.GetProperty("group").GetProperty("id").GetString()!;
        var path = $"/v1/conversations/{Uri.EscapeDataString(groupId)}/messages";
        (await owner.Client.PostJsonAsync(path, new { body = "zebra before", clientMessageId = "o-1" })).EnsureSuccessStatusCode();
        (await them.Client.PostJsonAsync(path, new { body = "zebra from them", clientMessageId = "t-1" })).EnsureSuccessStatusCode();
        (await owner.Client.PostJsonAsync($"/v1/organizations/{organizationId}/groups/{groupId.Split(':')[1]}/members", new { userIds = new[] { late.Id } })).EnsureSuccessStatusCode();
        (await owner.Client.PostJsonAsync(path, new { body = "zebra after", clientMessageId = "o-2" })).EnsureSuccessStatusCode();
        (await me.Client.PutAsJsonAsync("/v1/me/privacy-lists/blocked", new { items = new[] { new { userId = them.Id, action = "deny" } } })).EnsureSuccessStatusCode();
        (await me.Client.PutAsJsonAsync("/v1/me/active-privacy-list", new { name = "blocked" })).EnsureSuccessStatusCode();

        await Problems.EventuallyAsync(async () => Bodies(await SearchAsync(late, organizationId, "q=zebra")).SequenceEqual(["zebra after"]));
        await Problems.EventuallyAsync(async () => Bodies(await SearchAsync(me, organizationId, "q=zebra")).Order().SequenceEqual(["zebra after", "zebra before"]));
        Assert.Equal(3, Bodies(await SearchAsync(owner, organizationId, $"q=zebra&conversationId={Uri.EscapeDataString(groupId)}")).Length);
    }

    [Fact]
    public async Task Search_WhoMaySee_NotAMemberNorAnotherOrganization()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (alice, bob, carol) = (users[0], users[1], users[2]);
        var (otherOrganizationId, others) = await factory.ProvisionAsync(1);
        var outsider = others[0];
        var sent = await SendAsync(alice, organizationId, bob.Id, "confidential merger");
        var scoped = $"q=merger&conversationId={Uri.EscapeDataString(sent.ConversationId)}";

        Assert.Empty(SortNumbers(await SearchAsync(carol, organizationId, "q=merger")));
        await (await carol.Client.GetAsync(Route(organizationId, scoped))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await outsider.Client.GetAsync(Route(organizationId, "q=merger"))).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await outsider.Client.GetAsync(Route(organizationId, scoped))).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        Assert.Empty(SortNumbers(await SearchAsync(outsider, otherOrganizationId, "q=merger")));
        await (await outsider.Client.GetAsync(Route(otherOrganizationId, scoped))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await factory.CreateClient().GetAsync(Route(organizationId, "q=merger"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Theory]
    [InlineData("")]
    [InlineData("q=")]
    [InlineData("q=%20%20")]
    [InlineData("q=!!!%20%3F")]
    [InlineData("q=word&limit=0")]
    [InlineData("q=word&limit=51")]
    [InlineData("q=word&continuation=not-ours")]
    [InlineData("q=word&continuation=LTE")]
    [InlineData("q=word&conversationId=not%20an%20id")]
    public async Task Search_BadInput_IsInvalidArgument(string query)
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);

        await (await users[0].Client.GetAsync(Route(organizationId, query))).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Theory]
    [InlineData("\"unbalanced AND (")]
    [InlineData("NEAR(a b) OR * ^col:x")]
    [InlineData("a & b | !c :* <->")]
    public async Task Search_QuerySyntaxOfTheStores_IsJustWords(string text)
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await SendAsync(users[0], organizationId, users[1].Id, "unbalanced and near col x");

        var found = await SearchAsync(users[0], organizationId, "q=" + Uri.EscapeDataString(text));

        Assert.Equal(text.StartsWith('"') ? 1 : 0, SortNumbers(found).Length);
        await (await users[0].Client.GetAsync(Route(organizationId, "q=" + new string('a', 201)))).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task Hub_SearchMessages_AnswersLikeRest()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var sent = await SendAsync(users[0], organizationId, users[1].Id, "hub searchable");
        await using var hub = await HubTestClient.ConnectAsync(factory, users[0].Token);

        var page = await hub.InvokeAsync("SearchMessages", organizationId, new { q = "searchable", limit = 5 });

        Assert.Equal([sent.SortNumber], SortNumbers(page));
        Assert.Equal([(4, 10)], Ranges(page.GetProperty("items")[0]));
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => hub.InvokeAsync("SearchMessages", organizationId, new { q = "" }));
        Assert.Contains("invalid-argument", refused.Message, StringComparison.Ordinal);
    }

    private static string Route(string organizationId, string query) => $"/v1/organizations/{organizationId}/messages/search?{query}";

    private static async Task<JsonElement> SearchAsync(TestUser user, string organizationId, string query) =>
        await (await user.Client.GetAsync(Route(organizationId, query))).AssertOkAsync();

    private static long[] SortNumbers(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sortNumber").GetInt64())];

    private static string[] Bodies(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("message").GetProperty("body").GetString()!)];

    private static (int, int)[] Ranges(JsonElement item) =>
        [.. item.GetProperty("highlight").EnumerateArray().Select(r => (r.GetProperty("start").GetInt32(), r.GetProperty("length").GetInt32()))];

    private static async Task<(string ConversationId, long SortNumber, string Path)> SendAsync(TestUser from, string organizationId, string toId, string body)
    {
        var message = await (await from.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = toId, body, clientMessageId = ApiFactory.NewId("c") }))
            .AssertOkAsync(HttpStatusCode.Created);
        var conversationId = message.GetProperty("conversationId").GetString()!;
        var sortNumber = message.GetProperty("sortNumber").GetInt64();
        return (conversationId, sortNumber, $"/v1/conversations/{Uri.EscapeDataString(conversationId)}/messages/{sortNumber}");
    }
}
