using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>
/// Finding users (by name in an organization's directory, in batches by id, email and phone) and a group's metadata on
/// its own, over REST and the hub; never across organizations the caller is not in.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PeopleLookupApiTests(ApiFactory factory)
{
    [Fact]
    public async Task SearchUsers_ByNamePrefixIgnoringCaseAndAccents_PagedAsProfilesTheCallerMaySee()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (me, emile, emily) = (users[0], users[1], users[2]);
        var (otherOrganization, _) = await factory.ProvisionAsync(0);
        using var admin = factory.CreateAdminClient();
        (await admin.PutAsync($"/v1/admin/organizations/{otherOrganization}/members/{emile.Id}", null)).EnsureSuccessStatusCode();
        await (await me.Client.PatchAsJsonAsync("/v1/me", new { displayName = "Ana" })).AssertOkAsync();
        await (await emile.Client.PatchAsJsonAsync("/v1/me", new { displayName = "Émile Durand", privateData = new Dictionary<string, string> { ["secret"] = "x" } })).AssertOkAsync();
        await (await emily.Client.PatchAsJsonAsync("/v1/me", new { displayName = "Bee", firstName = "EMILY" })).AssertOkAsync();
        var path = $"/v1/organizations/{organizationId}/users";

        var first = await (await me.Client.GetAsync($"{path}?name=em&limit=1")).AssertOkAsync();
        var found = Assert.Single(first.GetProperty("items").EnumerateArray());
        Assert.Equal(("Émile Durand", JsonValueKind.Null), (found.GetProperty("displayName").GetString(), found.GetProperty("privateData").ValueKind));
        Assert.Equal([organizationId], found.GetProperty("organizations").EnumerateArray().Select(o => o.GetString())); // not the other one
        var continuation = Uri.EscapeDataString(first.GetProperty("continuation").GetString()!);
        var second = await (await me.Client.GetAsync($"{path}?name=em&limit=1&continuation={continuation}")).AssertOkAsync();
        Assert.Equal(emily.Id, Assert.Single(second.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("continuation").ValueKind);
        var everyone = await (await me.Client.GetAsync(path)).AssertOkAsync();
        Assert.Equal(users.Select(u => u.Id).Order(), everyone.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetString()).Order());
    }

    [Fact]
    public async Task SearchUsers_OutsiderForbidden_BadPagesInvalid()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var (_, strangers) = await factory.ProvisionAsync(1);
        var path = $"/v1/organizations/{organizationId}/users";

        await (await strangers[0].Client.GetAsync(path)).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await users[0].Client.GetAsync($"{path}?continuation=%25%25")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await users[0].Client.GetAsync($"{path}?limit=201")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await users[0].Client.GetAsync("/v1/organizations/bad%20id/users")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task LookupUsers_IdsEmailsAndPhones_EachVisibleUserOnce_MissingAndInvisibleLeftOutAlike()
    {
        var (_, users) = await factory.ProvisionAsync(2);
        var (me, colleague) = (users[0], users[1]);
        var (_, strangers) = await factory.ProvisionAsync(1);
        var ghost = ApiFactory.NewId("ghost");

        var result = await (await me.Client.PostJsonAsync("/v1/users/lookup", new
        {
            userIds = new[] { colleague.Id, strangers[0].Id, ghost, me.Id },
            emails = new[] { colleague.Email.ToUpperInvariant(), strangers[0].Email, "nobody@example.com" },
        })).AssertOkAsync();

        var items = result.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([colleague.Id, me.Id], items.Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("privateData").ValueKind);
        var invisible = await (await me.Client.PostJsonAsync("/v1/users/lookup", new { userIds = new[] { strangers[0].Id }, emails = new[] { strangers[0].Email } })).AssertOkAsync();
        var missing = await (await me.Client.PostJsonAsync("/v1/users/lookup", new { userIds = new[] { ghost }, emails = new[] { "nobody@example.com" } })).AssertOkAsync();
        Assert.Equal(missing.GetRawText(), invisible.GetRawText());
        Assert.Equal("""{"items":[]}""", invisible.GetRawText());
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"userIds":[],"emails":[],"phones":[]}""")]
    [InlineData("""{"userIds":["bad id"]}""")]
    [InlineData("""{"emails":["not-an-email"]}""")]
    [InlineData("""{"phones":["12"]}""")]
    [InlineData("""{"userIds":[null]}""")]
    public async Task LookupUsers_BadRequest_Returns400InvalidArgument(string body)
    {
        var (_, users) = await factory.ProvisionAsync(1);

        var response = await users[0].Client.PostAsync("/v1/users/lookup", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task LookupUsers_MoreThanFifty_Returns400InvalidArgument()
    {
        var (_, users) = await factory.ProvisionAsync(1);
        var ids = Enumerable.Range(0, 40).Select(i => $"u{i}").ToArray();
        var emails = Enumerable.Range(0, 11).Select(i => $"u{i}@example.com").ToArray();

        await (await users[0].Client.PostJsonAsync("/v1/users/lookup", new { userIds = ids, emails })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await users[0].Client.PostJsonAsync("/v1/users/lookup", new { userIds = ids, emails = emails[..10] })).AssertOkAsync();
    }

    [Fact]
    public async Task Hub_GetUserLookupUsersSearchUsers_AsTheRestRoutes()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (strangerOrganization, strangers) = await factory.ProvisionAsync(1);
        await (await users[1].Client.PatchAsJsonAsync("/v1/me", new { displayName = "Zoë" })).AssertOkAsync();
        await using var hub = await HubTestClient.ConnectAsync(factory, users[0].Token);

        Assert.Equal(users[1].Id, (await hub.InvokeAsync("GetUser", users[1].Id)).GetProperty("id").GetString());
        var invisible = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("GetUser", strangers[0].Id));
        var missing = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("GetUser", ApiFactory.NewId("ghost")));
        Assert.EndsWith("not-found: No user you can see matches.", invisible.Message, StringComparison.Ordinal);
        Assert.Equal(invisible.Message, missing.Message);

        var looked = await hub.InvokeAsync("LookupUsers", new { userIds = new[] { strangers[0].Id }, emails = new[] { users[1].Email } });
        Assert.Equal([users[1].Id], looked.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        var page = await hub.InvokeAsync("SearchUsers", organizationId, new { namePrefix = "zo" });
        Assert.Equal([users[1].Id], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        var denied = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("SearchUsers", strangerOrganization, null));
        Assert.Contains("HubException: permission-denied: ", denied.Message, StringComparison.Ordinal);
        var empty = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("LookupUsers", [null]));
        Assert.Contains("HubException: invalid-argument: ", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GroupMetadata_GetPatchPut_ByWhoMay_UnseenGroupsNotFound()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (owner, member, nonMember) = (users[0], users[1], users[2]);
        var (_, strangers) = await factory.ProvisionAsync(1);
        var conversationId = await CreateGroupAsync(owner, organizationId, "group", new Dictionary<string, string> { ["color"] = "blue" }, member.Id);
        var path = MetadataPath(conversationId);

        var seen = await (await member.Client.GetAsync(path)).AssertOkAsync();
        Assert.Equal((conversationId, "blue"), (seen.GetProperty("id").GetString(), seen.GetProperty("metadata").GetProperty("color").GetString()));
        await (await member.Client.PatchAsJsonAsync(path, new Dictionary<string, string?> { ["x"] = "y" })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        var patched = await (await owner.Client.PatchAsJsonAsync(path, new Dictionary<string, string?> { ["color"] = null, ["size"] = "L" })).AssertOkAsync();
        Assert.Equal(["size"], patched.GetProperty("metadata").EnumerateObject().Select(p => p.Name));
        var replaced = await (await owner.Client.PutAsJsonAsync(path, new Dictionary<string, string> { ["only"] = "this" })).AssertOkAsync();
        Assert.Equal(["only"], replaced.GetProperty("metadata").EnumerateObject().Select(p => p.Name));
        await (await owner.Client.PutAsJsonAsync(path, Enumerable.Range(0, 9).ToDictionary(i => $"k{i}", _ => "v"))).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await owner.Client.PatchAsJsonAsync(path, new Dictionary<string, string?> { ["bad key"] = "v" })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        Assert.Equal(["only"], (await (await member.Client.GetAsync(path)).AssertOkAsync()).GetProperty("metadata").EnumerateObject().Select(p => p.Name));

        // A non-member of the private group and a user of another organization: the group's one not-found.
        foreach (var outsider in new[] { nonMember, strangers[0] })
        {
            await (await outsider.Client.GetAsync(path)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
            await (await outsider.Client.PatchAsJsonAsync(path, new Dictionary<string, string?> { ["x"] = "y" })).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        }
    }

    [Fact]
    public async Task GroupsMetadata_GetMany_LeavesOutWhatTheCallerCannotSee()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (owner, member) = (users[0], users[1]);
        var (otherOrganization, strangers) = await factory.ProvisionAsync(1);
        var metadata = new Dictionary<string, string> { ["k"] = "v" };
        var shared = await CreateGroupAsync(owner, organizationId, "group", metadata, member.Id);
        var forum = await CreateGroupAsync(owner, organizationId, "forum", metadata);
        var ownersOnly = await CreateGroupAsync(owner, organizationId, "group", metadata);
        var elsewhere = await CreateGroupAsync(strangers[0], otherOrganization, "group", metadata);
        var ids = string.Join(',', shared, forum, ownersOnly, elsewhere, $"{organizationId}:{ApiFactory.NewId("none")}");
        var path = $"/v1/organizations/{organizationId}/groups/metadata?conversationIds={Uri.EscapeDataString(ids)}";

        var mine = await (await member.Client.GetAsync(path)).AssertOkAsync();
        var owners = await (await owner.Client.GetAsync(path)).AssertOkAsync();
        var theirs = await (await strangers[0].Client.GetAsync(path)).AssertOkAsync();

        Assert.Equal([shared, forum], mine.EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal("v", mine[0].GetProperty("metadata").GetProperty("k").GetString());
        Assert.Equal([shared, forum, ownersOnly], owners.EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Empty(theirs.EnumerateArray());
        var tooMany = string.Join(',', Enumerable.Range(0, 51).Select(i => $"{organizationId}:g{i}"));
        foreach (var bad in new[] { "", tooMany, "not:a:group" })
        {
            await (await member.Client.GetAsync($"/v1/organizations/{organizationId}/groups/metadata?conversationIds={Uri.EscapeDataString(bad)}"))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        }
    }

    [Fact]
    public async Task Hub_GroupMetadata_ChangesReachTheMembersAsAnUpdateDoes()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (owner, member) = (users[0], users[1]);
        var conversationId = await CreateGroupAsync(owner, organizationId, "group", null, member.Id);
        await using var ownerHub = await HubTestClient.ConnectAsync(factory, owner.Token);
        await using var memberHub = await HubTestClient.ConnectAsync(factory, member.Token);
        var revision = await RosterRevisionAsync(memberHub, organizationId, conversationId);

        var updated = await ownerHub.InvokeAsync("UpdateGroupMetadata", conversationId, new Dictionary<string, string?> { ["topic"] = "launch" });

        Assert.Equal("launch", updated.GetProperty("metadata").GetProperty("topic").GetString());
        await memberHub.NextAsync("conversation:change", c => c.GetProperty("conversation").GetProperty("id").GetString() == conversationId
            && c.GetProperty("conversation").GetProperty("revision").GetInt64() > revision);
        Assert.Equal("launch", (await memberHub.InvokeAsync("GetGroupMetadata", conversationId)).GetProperty("metadata").GetProperty("topic").GetString());
        var replaced = await ownerHub.InvokeAsync("ReplaceGroupMetadata", conversationId, new Dictionary<string, string>());
        Assert.Empty(replaced.GetProperty("metadata").EnumerateObject());
        var many = await memberHub.InvokeAsync("GetGroupsMetadata", organizationId, new[] { conversationId });
        Assert.Equal(conversationId, Assert.Single(many.EnumerateArray()).GetProperty("id").GetString());
        var denied = await Assert.ThrowsAsync<HubErrorException>(() => memberHub.InvokeAsync("UpdateGroupMetadata", conversationId, new Dictionary<string, string?> { ["x"] = "y" }));
        Assert.Contains("HubException: permission-denied: ", denied.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<HubErrorException>(() => ownerHub.InvokeAsync("UpdateGroupMetadata", conversationId, null));
        Assert.Contains("HubException: invalid-argument: ", missing.Message, StringComparison.Ordinal);
    }

    /// <summary>The revision of the group in the member's roster, once the roster has it (pushed in the background).</summary>
    private static async Task<long> RosterRevisionAsync(HubTestClient hub, string organizationId, string conversationId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var items = (await hub.InvokeAsync("ListConversations", organizationId, null)).GetProperty("items").EnumerateArray();
            if (items.FirstOrDefault(i => i.GetProperty("id").GetString() == conversationId) is { ValueKind: JsonValueKind.Object } entry)
            {
                return entry.GetProperty("revision").GetInt64();
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    private static string MetadataPath(string conversationId)
    {
        var parts = conversationId.Split(':');
        return $"/v1/organizations/{parts[0]}/groups/{parts[1]}/metadata";
    }

    private static async Task<string> CreateGroupAsync(TestUser owner, string organizationId, string type, Dictionary<string, string>? metadata, params string[] memberIds) =>
        (await (await owner.Client.PostJsonAsync($"/v1/organizations/{organizationId}/groups", new { name = "Group", type, memberIds, metadata }))
            .AssertOkAsync(HttpStatusCode.Created)).GetProperty("group").GetProperty("id").GetString()!;
}
