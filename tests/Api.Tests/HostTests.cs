using System.Net;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class HostTests(ApiFactory factory)
{
    [Fact]
    public async Task Health_Anonymous_ReportsHealthyIncludingStorage()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApi_Anonymous_DescribesEveryEndpoint()
    {
        using var client = factory.CreateClient();

        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;

        var paths = document.GetProperty("paths");
        string[] expected =
        [
            "/v1/admin/organizations", "/v1/admin/organizations/{organizationId}", "/v1/admin/users",
            "/v1/admin/organizations/{organizationId}/members/{userId}", "/v1/auth/sign-in", "/v1/auth/sign-out", "/v1/me",
            "/v1/users/{userId}", "/v1/users", "/v1/messages", "/v1/organizations/{organizationId}/conversations",
            "/v1/organizations/{organizationId}/unread", "/v1/conversations/{conversationId}", "/v1/conversations/{conversationId}/messages",
            "/v1/conversations/{conversationId}/read", "/v1/conversations/{conversationId}/unread",
            "/v1/conversations/{conversationId}/hide", "/v1/conversations/{conversationId}/clear",
            "/v1/conversations/{conversationId}/messages/{sortNumber}/receipts", "/v1/organizations/{organizationId}/read",
            "/v1/organizations/{organizationId}/groups", "/v1/organizations/{organizationId}/groups/{groupId}",
            "/v1/organizations/{organizationId}/groups/{groupId}/members", "/v1/organizations/{organizationId}/groups/{groupId}/join",
            "/v1/organizations/{organizationId}/forums",
        ];
        foreach (var path in expected)
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the OpenAPI document");
        }

        Assert.True(paths.GetProperty("/v1/messages").TryGetProperty("post", out var send));
        Assert.True(send.GetProperty("responses").TryGetProperty("201", out _));
        Assert.True(paths.GetProperty("/v1/conversations/{conversationId}/hide").GetProperty("post").GetProperty("responses").TryGetProperty("204", out _));
        var list = paths.GetProperty("/v1/organizations/{organizationId}/conversations").GetProperty("get");
        Assert.Equal(["organizationId", "sort", "limit", "continuation", "updatedAfter", "name", "kind"], list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task OpenApi_DescribesSecurityAndProblemResponses()
    {
        using var client = factory.CreateClient();

        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-Admin-Key", schemes.GetProperty("AdminKey").GetProperty("name").GetString());
        var paths = document.GetProperty("paths");
        Assert.True(paths.GetProperty("/v1/me").GetProperty("get").GetProperty("security")[0].TryGetProperty("Bearer", out _));
        Assert.True(paths.GetProperty("/v1/admin/users").GetProperty("post").GetProperty("security")[0].TryGetProperty("AdminKey", out _));
        Assert.False(paths.GetProperty("/v1/auth/sign-in").GetProperty("post").TryGetProperty("security", out _));
        Assert.True(paths.GetProperty("/v1/messages").GetProperty("post").GetProperty("responses").TryGetProperty("403", out _));
    }

    [Fact]
    public async Task UnknownRoute_Returns404Problem()
    {
        var user = await factory.CreateUserAsync();

        await (await user.Client.GetAsync("/v1/nothing-here")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task WrongContentType_Returns415Problem()
    {
        var user = await factory.CreateUserAsync();

        var response = await user.Client.PostAsync("/v1/messages", new StringContent("hello", System.Text.Encoding.UTF8, "text/plain"));

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "invalid-argument");
    }

    [Fact]
    public async Task DeeplyNestedJson_Returns400Problem()
    {
        var user = await factory.CreateUserAsync();
        var body = new string('[', 5000) + new string(']', 5000);

        var response = await user.Client.PostAsync("/v1/messages", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task WrongMethod_Returns405Problem()
    {
        var user = await factory.CreateUserAsync();

        await (await user.Client.DeleteAsync("/v1/me")).AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "invalid-argument");
    }
}
