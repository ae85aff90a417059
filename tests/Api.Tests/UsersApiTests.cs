using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class UsersApiTests(ApiFactory factory)
{
    [Fact]
    public async Task Me_SignedIn_ReturnsProfileWithOrganizations()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);

        var me = await (await users[0].Client.GetAsync("/v1/me")).AssertOkAsync();

        Assert.Equal(users[0].Id, me.GetProperty("id").GetString());
        Assert.Equal(users[0].Email, me.GetProperty("email").GetString());
        Assert.Equal([organizationId], me.GetProperty("organizations").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public async Task GetUser_SharedOrganization_ReturnsProfileWithSharedOrganizationsOnly()
    {
        var (shared, users) = await factory.ProvisionAsync(2);
        var (other, _) = await factory.ProvisionAsync(0);
        using var admin = factory.CreateAdminClient();
        (await admin.PutAsync($"/v1/admin/organizations/{other}/members/{users[1].Id}", null)).EnsureSuccessStatusCode();

        var profile = await (await users[0].Client.GetAsync($"/v1/users/{users[1].Id}")).AssertOkAsync();

        Assert.Equal(users[1].Id, profile.GetProperty("id").GetString());
        Assert.Equal([shared], profile.GetProperty("organizations").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public async Task UpdateMe_ChangesTheProfile_PrivateDataStaysMine_AndMyOtherDeviceHears()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (me, other) = (users[0], users[1]);
        await using var myOtherDevice = await HubTestClient.ConnectAsync(factory, await factory.SignInAsync(me.Id, "device-2"));

        // A hub call is answered only once the connection is set up (its events subscribed).
        await myOtherDevice.InvokeAsync("ListConversations", organizationId, null);

        var updated = await (await me.Client.PatchAsJsonAsync("/v1/me", new
        {
            displayName = "Ada L.",
            statusText = "in a meeting",
            avatarUrl = "https://example.com/ada.png",
            publicData = new Dictionary<string, string> { ["team"] = "core" },
            privateData = new Dictionary<string, string> { ["theme"] = "dark" },
        })).AssertOkAsync();

        Assert.Equal(("Ada L.", "in a meeting", "dark"), (updated.GetProperty("displayName").GetString(), updated.GetProperty("statusText").GetString(), updated.GetProperty("privateData").GetProperty("theme").GetString()));
        var heard = await myOtherDevice.NextAsync("user:updated");
        Assert.Equal("in a meeting", heard.GetProperty("statusText").GetString());
        var seen = await (await other.Client.GetAsync($"/v1/users/{me.Id}")).AssertOkAsync();
        Assert.Equal(("core", JsonValueKind.Null), (seen.GetProperty("publicData").GetProperty("team").GetString(), seen.GetProperty("privateData").ValueKind));

        // Left out keeps, an empty text clears, {} clears custom data.
        var cleared = await (await me.Client.PatchAsJsonAsync("/v1/me", new { statusText = "", privateData = new Dictionary<string, string>() })).AssertOkAsync();
        Assert.Equal(("Ada L.", JsonValueKind.Null, 0), (cleared.GetProperty("displayName").GetString(), cleared.GetProperty("statusText").ValueKind, cleared.GetProperty("privateData").EnumerateObject().Count()));
        await (await me.Client.PatchAsJsonAsync("/v1/me", new { avatarUrl = "ftp://nope" })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await me.Client.PatchAsJsonAsync("/v1/me", new { displayName = " " })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task UpdateMe_NewEmail_IsFoundByIt_TheOldOneIsFree_AndATakenOneConflicts()
    {
        var (_, users) = await factory.ProvisionAsync(2);
        var (me, other) = (users[0], users[1]);
        var newEmail = $"{ApiFactory.NewId("new")}@example.com";

        await (await me.Client.PatchAsJsonAsync("/v1/me", new { email = other.Email })).AssertProblemAsync(HttpStatusCode.Conflict, "conflict");
        var updated = await (await me.Client.PatchAsJsonAsync("/v1/me", new { email = newEmail })).AssertOkAsync();

        Assert.Equal(newEmail, updated.GetProperty("email").GetString());
        Assert.Equal(me.Id, (await (await other.Client.GetAsync($"/v1/users?email={Uri.EscapeDataString(newEmail)}")).AssertOkAsync()).GetProperty("id").GetString());
        await (await other.Client.GetAsync($"/v1/users?email={Uri.EscapeDataString(me.Email)}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        // The old address is free again: the other user takes it.
        var taken = await (await other.Client.PatchAsJsonAsync("/v1/me", new { email = me.Email })).AssertOkAsync();
        Assert.Equal(me.Email, taken.GetProperty("email").GetString());
    }

    [Fact]
    public async Task Metadata_PerOrganization_PartialAndWholeUpdates_SeenByMembersOnly()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (me, colleague) = (users[0], users[1]);
        var (_, strangers) = await factory.ProvisionAsync(1);
        var path = $"/v1/organizations/{organizationId}/users/me/metadata";

        var set = await (await me.Client.PatchAsJsonAsync(path, new Dictionary<string, string?> { ["desk"] = "4B", ["team"] = "core" })).AssertOkAsync();
        Assert.Equal("4B", set.GetProperty("metadata").GetProperty("desk").GetString());
        var partial = await (await me.Client.PatchAsJsonAsync(path, new Dictionary<string, string?> { ["desk"] = null, ["floor"] = "4" })).AssertOkAsync();
        Assert.Equal(["floor", "team"], partial.GetProperty("metadata").EnumerateObject().Select(p => p.Name).Order());

        var seen = await (await colleague.Client.GetAsync($"/v1/organizations/{organizationId}/users/{me.Id}/metadata")).AssertOkAsync();
        Assert.Equal("core", seen.GetProperty("metadata").GetProperty("team").GetString());
        var many = await (await colleague.Client.GetAsync($"/v1/organizations/{organizationId}/users/metadata?userIds={me.Id},{strangers[0].Id},{colleague.Id}")).AssertOkAsync();
        Assert.Equal(new[] { me.Id, colleague.Id }.Order(), many.EnumerateArray().Select(m => m.GetProperty("userId").GetString()).Order());
        await (await strangers[0].Client.GetAsync($"/v1/organizations/{organizationId}/users/{me.Id}/metadata")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        var replaced = await (await me.Client.PutAsJsonAsync(path, new Dictionary<string, string> { ["only"] = "this" })).AssertOkAsync();
        Assert.Equal(["only"], replaced.GetProperty("metadata").EnumerateObject().Select(p => p.Name));
        var tooMany = Enumerable.Range(0, 9).ToDictionary(i => $"k{i}", i => "v");
        await (await me.Client.PutAsJsonAsync(path, tooMany)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await strangers[0].Client.PatchAsJsonAsync(path, new Dictionary<string, string?> { ["x"] = "y" })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
    }

    [Fact]
    public async Task GetUser_NoSharedOrganizationOrUnknown_Returns404NotFound()
    {
        var (_, users) = await factory.ProvisionAsync(1);
        var (_, strangers) = await factory.ProvisionAsync(1);

        await (await users[0].Client.GetAsync($"/v1/users/{strangers[0].Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await users[0].Client.GetAsync($"/v1/users/{ApiFactory.NewId("ghost")}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task GetUser_Self_ReturnsFullProfile()
    {
        var (_, users) = await factory.ProvisionAsync(1);

        var profile = await (await users[0].Client.GetAsync($"/v1/users/{users[0].Id}")).AssertOkAsync();

        Assert.Equal(users[0].Id, profile.GetProperty("id").GetString());
    }

    [Fact]
    public async Task FindUser_ByEmail_ReturnsVisibleUser()
    {
        var (_, users) = await factory.ProvisionAsync(2);

        var profile = await (await users[0].Client.GetAsync($"/v1/users?email={Uri.EscapeDataString(users[1].Email.ToUpperInvariant())}")).AssertOkAsync();

        Assert.Equal(users[1].Id, profile.GetProperty("id").GetString());
    }

    [Fact]
    public async Task FindUser_ByPhone_ReturnsVisibleUser()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        using var admin = factory.CreateAdminClient();
        var id = ApiFactory.NewId("user");
        var digits = Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        (await admin.PostJsonAsync("/v1/admin/users", new { id, phone = "+1 (555) " + digits, displayName = "P", password = ApiFactory.Password })).EnsureSuccessStatusCode();
        (await admin.PutAsync($"/v1/admin/organizations/{organizationId}/members/{id}", null)).EnsureSuccessStatusCode();

        var profile = await (await users[0].Client.GetAsync($"/v1/users?phone={Uri.EscapeDataString("+1555" + digits)}")).AssertOkAsync();

        Assert.Equal(id, profile.GetProperty("id").GetString());
    }

    [Fact]
    public async Task FindUser_NotVisibleOrUnknown_Returns404NotFound()
    {
        var (_, users) = await factory.ProvisionAsync(1);
        var stranger = await factory.CreateUserAsync();

        // Registered but invisible, and not registered at all: the same answer, word for word, naming nobody.
        var invisible = await (await users[0].Client.GetAsync($"/v1/users?email={Uri.EscapeDataString(stranger.Email)}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var missing = await (await users[0].Client.GetAsync("/v1/users?email=nobody%40example.com")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var invisibleById = await (await users[0].Client.GetAsync($"/v1/users/{stranger.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var missingById = await (await users[0].Client.GetAsync($"/v1/users/{ApiFactory.NewId("ghost")}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        var details = new[] { invisible, missing, invisibleById, missingById }.Select(p => p.GetProperty("detail").GetString()).Distinct().ToList();
        Assert.Single(details);
        Assert.DoesNotContain(stranger.Id, details[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/users")]
    [InlineData("/v1/users?email=a%40example.com&phone=%2B15551234567")]
    [InlineData("/v1/users?email=nope")]
    [InlineData("/v1/users?phone=12")]
    [InlineData("/v1/users/bad%20id")]
    public async Task FindUser_InvalidQuery_Returns400InvalidArgument(string path)
    {
        var (_, users) = await factory.ProvisionAsync(1);

        await (await users[0].Client.GetAsync(path)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Theory]
    [InlineData("/v1/me")]
    [InlineData("/v1/users/someone")]
    [InlineData("/v1/users?email=a%40example.com")]
    public async Task UserEndpoints_Anonymous_Return401(string path)
    {
        using var anonymous = factory.CreateClient();

        await (await anonymous.GetAsync(path)).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }
}
