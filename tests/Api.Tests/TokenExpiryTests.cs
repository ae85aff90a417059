using System.Net.Http.Headers;

namespace Orleans.Chat.Api.Tests;

/// <summary>The Api with 4-second access tokens and the hub's warning 2 seconds before, so that tests watch tokens expire.</summary>
public sealed class ShortTokenApiFactory : ApiFactory
{
    public static TimeSpan Lifetime { get; } = TimeSpan.FromSeconds(4);

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [.. base.Settings(), ("Auth:AccessTokenLifetime", "00:00:04"), ("Realtime:TokenExpiryWarning", "00:00:02")];
}

/// <summary>Access tokens expire: 401 reason <c>expired</c>, and hub connections are warned, extended by a new token, or closed.</summary>
public sealed class TokenExpiryTests(ShortTokenApiFactory factory) : IClassFixture<ShortTokenApiFactory>
{
    [Fact]
    public async Task ExpiredToken_IsUnauthenticatedWithReasonExpired_OnRestAndNegotiate()
    {
        var user = await factory.CreateUserAsync();
        await Task.Delay(ShortTokenApiFactory.Lifetime + TimeSpan.FromMilliseconds(500));

        await SessionsApiTests.AssertUnauthenticatedAsync(await user.Client.GetAsync("/v1/me"), "expired");
        using var hub = factory.CreateClient();
        hub.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        await SessionsApiTests.AssertUnauthenticatedAsync(await hub.PostAsync("/hubs/chat/negotiate?negotiateVersion=1", null), "expired");
    }

    [Fact]
    public async Task Hub_WarnsBeforeExpiry_AndClosesAtExpiryWithoutANewToken()
    {
        var user = await factory.CreateUserAsync();
        await using var hub = await HubTestClient.ConnectAsync(factory, user.Token);
        await hub.InvokeAsync("ListSessions");

        var warning = await hub.NextAsync("token:aboutToExpire", timeoutMs: 5000);

        var expiresAt = warning.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.Zero, TimeSpan.FromSeconds(2.5));
        Assert.False(hub.Closed.IsCompleted);
        await hub.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(DateTimeOffset.UtcNow >= expiresAt);
    }

    [Fact]
    public async Task Hub_RefreshToken_KeepsTheConnectionPastTheFirstExpiry()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        using var anonymous = factory.CreateClient();
        var signedIn = await (await anonymous.PostJsonAsync("/v1/auth/sign-in", new { userId = users[0].Id, password = ApiFactory.Password, udid = "phone" })).AssertOkAsync();
        await using var hub = await HubTestClient.ConnectAsync(factory, signedIn.GetProperty("accessToken").GetString()!);
        await hub.InvokeAsync("ListSessions");
        var firstExpiry = (await hub.NextAsync("token:aboutToExpire", timeoutMs: 5000)).GetProperty("expiresAt").GetDateTimeOffset();

        var refreshed = await (await anonymous.PostJsonAsync("/v1/auth/refresh", new { refreshToken = signedIn.GetProperty("refreshToken").GetString() })).AssertOkAsync();
        var extended = await hub.InvokeAsync("RefreshToken", refreshed.GetProperty("accessToken").GetString());

        Assert.True(extended.GetProperty("expiresAt").GetDateTimeOffset() > firstExpiry);
        await Task.Delay(firstExpiry - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500));
        Assert.False(hub.Closed.IsCompleted);

        // Still getting messages past the first expiry.
        using var bob = factory.CreateUserClient(await factory.SignInAsync(users[1].Id, "device-2"));
        (await bob.PostJsonAsync("/v1/messages", new { organizationId, recipientId = users[0].Id, body = "still there?", clientMessageId = ApiFactory.NewId("c") })).EnsureSuccessStatusCode();
        Assert.Equal("still there?", (await hub.NextAsync("message")).GetProperty("body").GetString());
    }
}
