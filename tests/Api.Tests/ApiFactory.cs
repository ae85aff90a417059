using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Orleans.Chat.Api.Tests;

/// <summary>The real Api (embedded silo) on a temp SQLite file, temp attachment files and temp data-protection keys.</summary>
public class ApiFactory : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789";
    public const string Password = "correct horse battery";

    public ApiFactory()
        : this(Path.Combine(Path.GetTempPath(), "orleans-chat-api-tests-" + Guid.NewGuid().ToString("N")), deleteOnDispose: true)
    {
    }

    /// <summary>A server on <paramref name="dataDirectory"/>: give a second factory the same one to "restart" on the same store.</summary>
    internal ApiFactory(string dataDirectory, bool deleteOnDispose)
    {
        DataDirectory = dataDirectory;
        DeleteOnDispose = deleteOnDispose;
        Directory.CreateDirectory(DataDirectory);
    }

    public string DataDirectory { get; }

    private bool DeleteOnDispose { get; }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>A client that sends the admin key.</summary>
    public HttpClient CreateAdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        return client;
    }

    /// <summary>A client that sends the bearer token.</summary>
    public HttpClient CreateUserClient(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>An organization with signed-in members (each with its own device).</summary>
    public async Task<(string OrganizationId, TestUser[] Users)> ProvisionAsync(int members)
    {
        using var admin = CreateAdminClient();
        var organizationId = NewId("org");
        (await admin.PostAsJsonAsync("/v1/admin/organizations", new { id = organizationId, name = "Test org" })).EnsureSuccessStatusCode();
        var users = new TestUser[members];
        for (var i = 0; i < members; i++)
        {
            users[i] = await CreateUserAsync();
            (await admin.PutAsync($"/v1/admin/organizations/{organizationId}/members/{users[i].Id}", null)).EnsureSuccessStatusCode();
        }

        return (organizationId, users);
    }

    /// <summary>A new user (not in any organization), signed in on one device.</summary>
    public async Task<TestUser> CreateUserAsync()
    {
        using var admin = CreateAdminClient();
        var id = NewId("user");
        var email = $"{id}@example.com";
        (await admin.PostAsJsonAsync("/v1/admin/users", new { id, email, displayName = "User " + id[..9], password = Password })).EnsureSuccessStatusCode();
        var token = await SignInAsync(id, "device-1");
        return new TestUser(id, email, token, CreateUserClient(token));
    }

    public async Task<string> SignInAsync(string userId, string udid)
    {
        using var client = CreateClient();
        var response = await client.PostAsJsonAsync("/v1/auth/sign-in", new { userId, password = Password, udid });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in Settings())
        {
            builder.UseSetting(key, value);
        }
    }

    protected virtual IEnumerable<(string Key, string Value)> Settings() =>
    [
        ("Storage:Provider", "Sqlite"),
        ("Storage:DataDirectory", DataDirectory),
        ("Storage:Sqlite:Path", Path.Combine(DataDirectory, "chat.db")),
        ("DataProtection:KeysPath", Path.Combine(DataDirectory, "keys")),
        ("Admin:ApiKey", AdminKey),
        ("Silo:PasswordHasher:IterationCount", "1000"),
        ("RateLimits:SignInPerMinute", "100000"),
    ];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && DeleteOnDispose)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // SQLite may still hold the file for a moment; the temp directory is cleaned by the OS eventually.
            }
        }
    }
}

/// <summary>A signed-in user and a client carrying their token.</summary>
public sealed record TestUser(string Id, string Email, string Token, HttpClient Client);

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFactory>
{
    public const string Name = "api";
}
