using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Orleans.Chat.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class AdminApiTests(ApiFactory factory)
{
    [Fact]
    public async Task CreateOrganization_WithId_Returns201AndGetShowsMemberCount()
    {
        using var admin = factory.CreateAdminClient();
        var id = ApiFactory.NewId("org");

        var created = await (await admin.PostJsonAsync("/v1/admin/organizations", new { id, name = "Acme" })).AssertOkAsync(HttpStatusCode.Created);

        Assert.Equal(id, created.GetProperty("id").GetString());
        Assert.Equal("Acme", created.GetProperty("name").GetString());
        var user = await factory.CreateUserAsync();
        (await admin.PutAsync($"/v1/admin/organizations/{id}/members/{user.Id}", null)).EnsureSuccessStatusCode();
        var fetched = await (await admin.GetAsync($"/v1/admin/organizations/{id}")).AssertOkAsync();
        Assert.Equal(1, fetched.GetProperty("memberCount").GetInt32());
    }

    [Fact]
    public async Task CreateOrganization_WithoutId_ServerPicksId()
    {
        using var admin = factory.CreateAdminClient();

        var response = await admin.PostJsonAsync("/v1/admin/organizations", new { name = "No id" });

        var created = await response.AssertOkAsync(HttpStatusCode.Created);
        Assert.Matches("^[a-f0-9]{32}$", created.GetProperty("id").GetString());
        Assert.Equal($"/v1/admin/organizations/{created.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CreateOrganization_Twice_Returns409Conflict()
    {
        using var admin = factory.CreateAdminClient();
        var id = ApiFactory.NewId("org");
        (await admin.PostJsonAsync("/v1/admin/organizations", new { id, name = "Acme" })).EnsureSuccessStatusCode();

        await (await admin.PostJsonAsync("/v1/admin/organizations", new { id, name = "Acme" })).AssertProblemAsync(HttpStatusCode.Conflict, "conflict");
    }

    [Theory]
    [InlineData("""{"id":"bad id","name":"x"}""")]
    [InlineData("""{"name":""}""")]
    [InlineData("""{"id":"ok"}""")]
    [InlineData("""{"name": 5}""")]
    [InlineData("""{"name":"x",""")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task CreateOrganization_InvalidBody_Returns400InvalidArgument(string body)
    {
        using var admin = factory.CreateAdminClient();

        var response = await admin.PostAsync("/v1/admin/organizations", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task CreateOrganization_NameTooLong_Returns400InvalidArgument()
    {
        using var admin = factory.CreateAdminClient();

        await (await admin.PostJsonAsync("/v1/admin/organizations", new { name = new string('x', 201) })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task AdminEndpoints_NoKey_Return401Unauthenticated()
    {
        using var anonymous = factory.CreateClient();

        await (await anonymous.PostJsonAsync("/v1/admin/organizations", new { name = "x" })).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await anonymous.PostJsonAsync("/v1/admin/users", new { displayName = "x", password = "password1" })).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await anonymous.PutAsync("/v1/admin/organizations/o/members/u", null)).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task AdminEndpoints_WrongKey_Return401Unauthenticated()
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Key", ApiFactory.AdminKey + "x");

        await (await client.PostJsonAsync("/v1/admin/organizations", new { name = "x" })).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task AdminEndpoints_UserToken_Return401()
    {
        var user = await factory.CreateUserAsync();

        await (await user.Client.PostJsonAsync("/v1/admin/organizations", new { name = "x" })).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task CreateUser_Valid_Returns201WithProfileAndNoPassword()
    {
        using var admin = factory.CreateAdminClient();
        var id = ApiFactory.NewId("user");

        var response = await admin.PostJsonAsync("/v1/admin/users", new
        {
            id, email = $"{id}@Example.com", phone = "+1 555 0100 " + Random.Shared.Next(100, 999), displayName = "Ann", firstName = "Ann", lastName = "Lee", password = "password1",
        });

        var created = await response.AssertOkAsync(HttpStatusCode.Created);
        Assert.Equal(id, created.GetProperty("id").GetString());
        Assert.Equal($"{id}@example.com", created.GetProperty("email").GetString());
        Assert.StartsWith("+1555", created.GetProperty("phone").GetString(), StringComparison.Ordinal);
        Assert.Equal("Lee", created.GetProperty("lastName").GetString());
        Assert.False(created.TryGetProperty("password", out _));
        Assert.False(created.TryGetProperty("passwordHash", out _));
        Assert.Equal($"/v1/users/{id}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CreateUser_DuplicateEmail_Returns409Conflict()
    {
        using var admin = factory.CreateAdminClient();
        var email = ApiFactory.NewId("mail") + "@example.com";
        (await admin.PostJsonAsync("/v1/admin/users", new { email, displayName = "A", password = "password1" })).EnsureSuccessStatusCode();

        await (await admin.PostJsonAsync("/v1/admin/users", new { email = email.ToUpperInvariant(), displayName = "B", password = "password1" }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task CreateUser_DuplicateId_Returns409Conflict()
    {
        var user = await factory.CreateUserAsync();
        using var admin = factory.CreateAdminClient();

        await (await admin.PostJsonAsync("/v1/admin/users", new { id = user.Id, displayName = "B", password = "password1" }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "conflict");
    }

    [Theory]
    [InlineData("""{"displayName":"A","password":"short"}""")]
    [InlineData("""{"displayName":"","password":"password1"}""")]
    [InlineData("""{"displayName":"A"}""")]
    [InlineData("""{"displayName":"A","password":"password1","email":"nope"}""")]
    [InlineData("""{"displayName":"A","password":"password1","phone":"12"}""")]
    [InlineData("""{"displayName":"A","password":"password1","id":"a/b"}""")]
    public async Task CreateUser_InvalidBody_Returns400InvalidArgument(string body)
    {
        using var admin = factory.CreateAdminClient();

        var response = await admin.PostAsync("/v1/admin/users", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task AddMember_UnknownUserOrOrganization_Returns404NotFound()
    {
        using var admin = factory.CreateAdminClient();
        var (organizationId, users) = await factory.ProvisionAsync(1);

        await (await admin.PutAsync($"/v1/admin/organizations/{organizationId}/members/{ApiFactory.NewId("ghost")}", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await admin.PutAsync($"/v1/admin/organizations/{ApiFactory.NewId("org")}/members/{users[0].Id}", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task AddMember_Twice_Returns204BothTimes()
    {
        using var admin = factory.CreateAdminClient();
        var (organizationId, users) = await factory.ProvisionAsync(1);

        var response = await admin.PutAsync($"/v1/admin/organizations/{organizationId}/members/{users[0].Id}", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var organization = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>($"/v1/admin/organizations/{organizationId}");
        Assert.Equal(1, organization.GetProperty("memberCount").GetInt32());
    }

    [Fact]
    public async Task AddMember_InvalidRouteId_Returns400()
    {
        using var admin = factory.CreateAdminClient();

        await (await admin.PutAsync("/v1/admin/organizations/bad%20id/members/u", null)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }
}
