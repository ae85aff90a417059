using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>The group and forum endpoints, and groups through the conversation endpoints.</summary>
[Collection(ApiCollection.Name)]
public sealed class GroupsApiTests(ApiFactory factory)
{
    [Fact]
    public async Task CreateGroup_WithFirstMessage_Returns201AndEveryMemberSeesBothInHistory()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (owner, a, b) = (users[0], users[1], users[2]);

        var response = await owner.Client.PostJsonAsync(Groups(organizationId), new
        {
            name = "Team",
            memberIds = new[] { a.Id, b.Id },
            firstMessage = new { body = "welcome", clientMessageId = "first" },
        });

        var created = await response.AssertOkAsync(HttpStatusCode.Created);
        var group = created.GetProperty("group");
        var conversationId = group.GetProperty("id").GetString()!;
        Assert.Equal($"{organizationId}:{group.GetProperty("groupId").GetString()}", conversationId);
        Assert.Equal(["owner", "member", "member"], group.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(2, created.GetProperty("firstMessage").GetProperty("sortNumber").GetInt64());
        Assert.NotNull(response.Headers.Location);

        var history = await (await b.Client.GetAsync($"/v1/conversations/{conversationId}/messages?order=oldest")).AssertOkAsync();
        Assert.Equal(["groupMembershipChange", "text"], history.EnumerateArray().Select(m => m.GetProperty("type").GetString()));
        Assert.Equal("add", history[0].GetProperty("membership").GetProperty("action").GetString());
        Assert.Equal(JsonValueKind.Null, history[1].GetProperty("recipientId").ValueKind);

        var roster = (await (await a.Client.GetAsync($"/v1/organizations/{organizationId}/conversations")).AssertOkAsync()).GetProperty("items");
        var entry = Assert.Single(roster.EnumerateArray(), e => e.GetProperty("id").GetString() == conversationId);
        Assert.Equal(("group", "Team"), (entry.GetProperty("kind").GetString(), entry.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task SendToConversation_GroupAndDirect_201ThenRetry200()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var conversationId = await CreateAsync(users[0], organizationId, users[1].Id);
        var direct = (await (await users[0].Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = users[1].Id, body = "hi", clientMessageId = "d-1" }))
            .AssertOkAsync(HttpStatusCode.Created)).GetProperty("conversationId").GetString()!;

        foreach (var id in new[] { conversationId, direct })
        {
            var request = new { body = "by id", clientMessageId = "by-id-1" };
            var first = await (await users[1].Client.PostJsonAsync($"/v1/conversations/{id}/messages", request)).AssertOkAsync(HttpStatusCode.Created);
            var retry = await (await users[1].Client.PostJsonAsync($"/v1/conversations/{id}/messages", request)).AssertOkAsync(HttpStatusCode.OK);
            Assert.Equal(first.GetProperty("id").GetString(), retry.GetProperty("id").GetString());
        }
    }

    [Fact]
    public async Task DistributionList_OwnerSends_RecipientsGetIt1to1AndTheListIs404ForThem()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (owner, a, b) = (users[0], users[1], users[2]);
        var created = await (await owner.Client.PostJsonAsync(Groups(organizationId), new { name = "News", type = "distributionList", memberIds = new[] { a.Id, b.Id } }))
            .AssertOkAsync(HttpStatusCode.Created);
        var listId = created.GetProperty("group").GetProperty("id").GetString()!;
        Assert.Equal("distributionList", created.GetProperty("group").GetProperty("type").GetString());

        await (await owner.Client.PostJsonAsync($"/v1/conversations/{listId}/messages", new { body = "release at 5", clientMessageId = "n-1" })).AssertOkAsync(HttpStatusCode.Created);

        foreach (var recipient in new[] { a, b })
        {
            var roster = (await (await recipient.Client.GetAsync($"/v1/organizations/{organizationId}/conversations")).AssertOkAsync()).GetProperty("items");
            var entry = Assert.Single(roster.EnumerateArray());
            Assert.Equal(("direct", owner.Id), (entry.GetProperty("kind").GetString(), entry.GetProperty("counterpartyId").GetString()));
            var history = await (await recipient.Client.GetAsync($"/v1/conversations/{entry.GetProperty("id").GetString()}/messages")).AssertOkAsync();
            Assert.Equal("release at 5", Assert.Single(history.EnumerateArray()).GetProperty("body").GetString());
            await (await recipient.Client.GetAsync($"/v1/conversations/{listId}/messages")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
            await (await recipient.Client.PostJsonAsync($"/v1/conversations/{listId}/messages", new { body = "reply all", clientMessageId = "r-1" }))
                .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        }
    }

    [Fact]
    public async Task GetReceipts_GroupMessage_WhoReadWhoNotAnd404ForOthers()
    {
        var (organizationId, users) = await factory.ProvisionAsync(4);
        var conversationId = await CreateAsync(users[0], organizationId, users[1].Id, users[2].Id);
        var sent = await (await users[0].Client.PostJsonAsync($"/v1/conversations/{conversationId}/messages", new { body = "read me", clientMessageId = "r-1" }))
            .AssertOkAsync(HttpStatusCode.Created);
        var sortNumber = sent.GetProperty("sortNumber").GetInt64();
        await (await users[1].Client.PostJsonAsync($"/v1/conversations/{conversationId}/read", new { sortNumber })).AssertOkAsync();

        var receipts = await (await users[0].Client.GetAsync($"/v1/conversations/{conversationId}/messages/{sortNumber}/receipts")).AssertOkAsync();

        Assert.Equal([users[1].Id], receipts.GetProperty("readBy").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([users[2].Id], receipts.GetProperty("pending").EnumerateArray().Select(e => e.GetString()));
        await (await users[3].Client.GetAsync($"/v1/conversations/{conversationId}/messages/{sortNumber}/receipts")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await users[0].Client.GetAsync($"/v1/conversations/{conversationId}/messages/99/receipts")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task MarkAllRead_GroupAndDirectUnread_AllZeroAndTheSendersSeeTheReceipts()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (me, ann, ben) = (users[0], users[1], users[2]);
        var group = await CreateAsync(ann, organizationId, me.Id, ben.Id);
        await (await ben.Client.PostJsonAsync($"/v1/conversations/{group}/messages", new { body = "in the group", clientMessageId = "g-1" })).AssertOkAsync(HttpStatusCode.Created);
        var direct = await (await ann.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = me.Id, body = "just you", clientMessageId = "d-1" }))
            .AssertOkAsync(HttpStatusCode.Created);
        await Problems.EventuallyAsync(async () => (await (await me.Client.GetAsync($"/v1/organizations/{organizationId}/unread")).AssertOkAsync()).GetProperty("unreadCount").GetInt32() == 2);

        var totals = await (await me.Client.PostAsync($"/v1/organizations/{organizationId}/read", null)).AssertOkAsync();

        Assert.Equal((0, 0), (totals.GetProperty("unreadCount").GetInt32(), totals.GetProperty("unreadConversationCount").GetInt32()));
        var annView = await (await ann.Client.GetAsync($"/v1/conversations/{direct.GetProperty("conversationId").GetString()}")).AssertOkAsync();
        Assert.Equal(1, annView.GetProperty("counterpartyReadSortNumber").GetInt64());
        var receipts = await (await ben.Client.GetAsync($"/v1/conversations/{group}/messages/2/receipts")).AssertOkAsync();
        Assert.Contains(me.Id, receipts.GetProperty("readBy").EnumerateArray().Select(e => e.GetString()));
        await (await users[1].Client.PostAsync("/v1/organizations/elsewhere/read", null)).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
    }

    [Fact]
    public async Task Members_AddRemoveLeaveAndRoles_ByWhoMay()
    {
        var (organizationId, users) = await factory.ProvisionAsync(4);
        var (owner, admin, member, late) = (users[0], users[1], users[2], users[3]);
        var conversationId = await CreateAsync(owner, organizationId, admin.Id, member.Id);
        var path = GroupPath(conversationId);

        await (await member.Client.PostJsonAsync($"{path}/members", new { userIds = new[] { late.Id } })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await admin.Client.PutAsJsonAsync($"{path}/members/{member.Id}/role", new { role = "admin" }, ApiFactory.Json)).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await owner.Client.PutAsJsonAsync($"{path}/members/{admin.Id}/role", new { role = "admin" }, ApiFactory.Json)).AssertOkAsync();
        var added = await (await admin.Client.PostJsonAsync($"{path}/members", new { userIds = new[] { late.Id } })).AssertOkAsync();
        Assert.Contains(added.GetProperty("members").EnumerateArray(), m => m.GetProperty("userId").GetString() == late.Id);

        await (await member.Client.DeleteAsync($"{path}/members/{late.Id}")).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        var removed = await (await admin.Client.DeleteAsync($"{path}/members/{late.Id}")).AssertOkAsync();
        Assert.DoesNotContain(removed.GetProperty("members").EnumerateArray(), m => m.GetProperty("userId").GetString() == late.Id);
        await (await late.Client.GetAsync(path)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        var left = await (await member.Client.DeleteAsync($"{path}/members/{member.Id}")).AssertOkAsync();
        Assert.DoesNotContain(left.GetProperty("members").EnumerateArray(), m => m.GetProperty("userId").GetString() == member.Id);
        var history = await (await owner.Client.GetAsync($"/v1/conversations/{conversationId}/messages?order=oldest")).AssertOkAsync();
        Assert.Equal(["add", "add", "remove", "leave"], history.EnumerateArray().Select(m => m.GetProperty("membership").GetProperty("action").GetString()));
    }

    [Fact]
    public async Task UpdateAndPermissions_OwnerEditsAndGrants_MemberThenMay()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var conversationId = await CreateAsync(users[0], organizationId, users[1].Id);
        var path = GroupPath(conversationId);

        await (await users[1].Client.PatchAsJsonAsync(path, new { name = "Mine" }, ApiFactory.Json)).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await users[0].Client.PutAsJsonAsync($"{path}/members/{users[1].Id}/permissions", new { maySend = true, mayEditGroup = true }, ApiFactory.Json)).AssertOkAsync();
        var updated = await (await users[1].Client.PatchAsJsonAsync(path, new { name = "Mine", replayHistory = false }, ApiFactory.Json)).AssertOkAsync();

        Assert.Equal(("Mine", false), (updated.GetProperty("name").GetString(), updated.GetProperty("replayHistory").GetBoolean()));
    }

    [Fact]
    public async Task Metadata_SetOnCreateKeptByNullClearedByEmpty_BadKey400()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var created = await (await users[0].Client.PostJsonAsync(Groups(organizationId), new { name = "Team", metadata = new Dictionary<string, string> { ["color"] = "blue", ["app.kind"] = "squad" } }))
            .AssertOkAsync(HttpStatusCode.Created);
        var path = GroupPath(created.GetProperty("group").GetProperty("id").GetString()!);
        Assert.Equal("blue", created.GetProperty("group").GetProperty("metadata").GetProperty("color").GetString());

        var renamed = await (await users[0].Client.PatchAsJsonAsync(path, new { name = "Squad" }, ApiFactory.Json)).AssertOkAsync();
        Assert.Equal("squad", renamed.GetProperty("metadata").GetProperty("app.kind").GetString());
        await (await users[0].Client.PatchAsJsonAsync(path, new { metadata = new Dictionary<string, string> { ["bad key"] = "x" } }, ApiFactory.Json))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        var cleared = await (await users[0].Client.PatchAsJsonAsync(path, new { metadata = new Dictionary<string, string>() }, ApiFactory.Json)).AssertOkAsync();
        Assert.Empty(cleared.GetProperty("metadata").EnumerateObject());
    }

    [Fact]
    public async Task Forum_OrganizationMemberJoins_OutsiderAndPrivateGroupNotFound()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (otherOrganization, strangers) = await factory.ProvisionAsync(1);
        var forum = (await (await users[0].Client.PostJsonAsync(Groups(organizationId), new { name = "Town square", type = "forum" }))
            .AssertOkAsync(HttpStatusCode.Created)).GetProperty("group").GetProperty("id").GetString()!;
        var group = await CreateAsync(users[0], organizationId);

        var joined = await (await users[1].Client.PostAsync($"{GroupPath(forum)}/join", null)).AssertOkAsync();
        Assert.Contains(joined.GetProperty("members").EnumerateArray(), m => m.GetProperty("userId").GetString() == users[1].Id);
        await (await strangers[0].Client.PostAsync($"{GroupPath(forum)}/join", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await strangers[0].Client.GetAsync(GroupPath(forum))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await users[1].Client.PostAsync($"{GroupPath(group)}/join", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await users[1].Client.GetAsync($"/v1/conversations/{group}/messages")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await strangers[0].Client.PostJsonAsync(Groups(organizationId), new { name = "Intruders" })).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.NotEqual(organizationId, otherOrganization);
    }

    [Fact]
    public async Task SearchForums_ByPrefixAndPage_OutsiderForbiddenAndBadContinuation400()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (_, strangers) = await factory.ProvisionAsync(1);
        foreach (var name in new[] { "Help desk", "help wanted", "Random" })
        {
            await (await users[0].Client.PostJsonAsync(Groups(organizationId), new { name, type = "forum" })).AssertOkAsync(HttpStatusCode.Created);
        }

        var first = await (await users[1].Client.GetAsync($"/v1/organizations/{organizationId}/forums?name=help&limit=1")).AssertOkAsync();
        Assert.Equal("Help desk", Assert.Single(first.GetProperty("forums").EnumerateArray()).GetProperty("name").GetString());
        var continuation = Uri.EscapeDataString(first.GetProperty("continuation").GetString()!);
        var second = await (await users[1].Client.GetAsync($"/v1/organizations/{organizationId}/forums?name=help&limit=1&continuation={continuation}")).AssertOkAsync();
        Assert.Equal("help wanted", Assert.Single(second.GetProperty("forums").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("continuation").ValueKind);

        await (await strangers[0].Client.GetAsync($"/v1/organizations/{organizationId}/forums")).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await users[1].Client.GetAsync($"/v1/organizations/{organizationId}/forums?continuation=%25%25")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await users[1].Client.GetAsync($"/v1/organizations/{organizationId}/forums?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task CreateGroup_SameIdTwice_Returns409Conflict()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var request = new { id = "fixed-id", name = "Once" };

        await (await users[0].Client.PostJsonAsync(Groups(organizationId), request)).AssertOkAsync(HttpStatusCode.Created);
        await (await users[0].Client.PostJsonAsync(Groups(organizationId), request)).AssertProblemAsync(HttpStatusCode.Conflict, "conflict");
    }

    [Theory]
    [InlineData("""{"name":""}""")]
    [InlineData("""{"type":"group"}""")]
    [InlineData("""{"name":"x","type":"channel"}""")]
    [InlineData("""{"name":"x","id":"not an id"}""")]
    [InlineData("""{"name":"x","memberIds":["not an id"]}""")]
    [InlineData("""{"name":"x","avatarUrl":"ftp://example.com/a.png"}""")]
    [InlineData("""{"name":"x","firstMessage":{"body":"","clientMessageId":"c"}}""")]
    [InlineData("""{"name":"x" """)]
    public async Task CreateGroup_InvalidBody_Returns400InvalidArgumentAndCreatesNothing(string body)
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);

        var response = await users[0].Client.PostAsync(Groups(organizationId), new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        var roster = (await (await users[0].Client.GetAsync($"/v1/organizations/{organizationId}/conversations")).AssertOkAsync()).GetProperty("items");
        Assert.Equal(0, roster.GetArrayLength());
    }

    [Fact]
    public async Task Groups_SignedOut_Returns401()
    {
        using var anonymous = factory.CreateClient();

        await (await anonymous.PostAsJsonAsync(Groups("org"), new { name = "x" })).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await anonymous.GetAsync(GroupPath("org:g"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    private static string Groups(string organizationId) => $"/v1/organizations/{organizationId}/groups";

    private static string GroupPath(string conversationId)
    {
        var parts = conversationId.Split(':');
        return $"{Groups(parts[0])}/{parts[1]}";
    }

    private static async Task<string> CreateAsync(TestUser owner, string organizationId, params string[] memberIds) =>
        (await (await owner.Client.PostJsonAsync(Groups(organizationId), new { name = "Group", memberIds }))
            .AssertOkAsync(HttpStatusCode.Created)).GetProperty("group").GetProperty("id").GetString()!;
}
