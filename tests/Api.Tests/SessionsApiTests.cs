using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>Refresh tokens, the reason of every 401, and my sessions over REST and the hub.</summary>
[Collection(ApiCollection.Name)]
public sealed class SessionsApiTests(ApiFactory factory)
{
    [Fact]
    public async Task Refresh_GivesNewTokensThatWork_AndUsesTheOldRefreshTokenUp()
    {
        var user = await factory.CreateUserAsync();
        var signedIn = await SignInAsync(user.Id, "tablet");
        Assert.True(signedIn.GetProperty("accessTokenExpiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(59));
        Assert.True(signedIn.GetProperty("refreshTokenExpiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(29));

        var refreshed = await (await Anonymous().PostJsonAsync("/v1/auth/refresh", new { refreshToken = Refresh(signedIn) })).AssertOkAsync();

        Assert.Equal(signedIn.GetProperty("sessionId").GetString(), refreshed.GetProperty("sessionId").GetString());
        Assert.NotEqual(Refresh(signedIn), Refresh(refreshed));
        using var client = factory.CreateUserClient(refreshed.GetProperty("accessToken").GetString()!);
        Assert.Equal(user.Id, (await (await client.GetAsync("/v1/me")).AssertOkAsync()).GetProperty("id").GetString());
        var next = await (await Anonymous().PostJsonAsync("/v1/auth/refresh", new { refreshToken = Refresh(refreshed) })).AssertOkAsync();
        Assert.NotEqual(Refresh(refreshed), Refresh(next));
    }

    [Fact]
    public async Task Refresh_AReusedToken_EndsTheSession_ClosesItsConnections_AndItsTokensStopWorking()
    {
        var user = await factory.CreateUserAsync();
        var signedIn = await SignInAsync(user.Id, "tablet");
        var refreshed = await (await Anonymous().PostJsonAsync("/v1/auth/refresh", new { refreshToken = Refresh(signedIn) })).AssertOkAsync();
        var token = refreshed.GetProperty("accessToken").GetString()!;
        await using var hub = await HubTestClient.ConnectAsync(factory, token);
        await hub.InvokeAsync("ListSessions");

        await AssertUnauthenticatedAsync(await Anonymous().PostJsonAsync("/v1/auth/refresh", new { refreshToken = Refresh(signedIn) }), "refresh-reused");

        await hub.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        using var client = factory.CreateUserClient(token);
        await AssertUnauthenticatedAsync(await client.GetAsync("/v1/me"), "revoked");
        await AssertUnauthenticatedAsync(await Anonymous().PostJsonAsync("/v1/auth/refresh", new { refreshToken = Refresh(refreshed) }), "revoked");

        // The user's other device is not touched.
        (await user.Client.GetAsync("/v1/me")).EnsureSuccessStatusCode();
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("", "missing")]
    [InlineData("garbage", "malformed")]
    [InlineData("a.b.no-such-user", "revoked")]
    [InlineData("a.b.not a user id!", "malformed")]
    public async Task Refresh_ABadToken_IsUnauthenticatedWithItsReason(string? refreshToken, string reason) =>
        await AssertUnauthenticatedAsync(await Anonymous().PostJsonAsync("/v1/auth/refresh", new { refreshToken }), reason);

    [Fact]
    public async Task Requests_WithoutAWorkingToken_GetUnauthenticatedWithTheReason()
    {
        var user = await factory.CreateUserAsync();
        var signedOut = await factory.SignInAsync(user.Id, "old-phone");
        using (var old = factory.CreateUserClient(signedOut))
        {
            (await old.PostAsync("/v1/auth/sign-out", null)).EnsureSuccessStatusCode();
        }

        await AssertUnauthenticatedAsync(await Anonymous().GetAsync("/v1/me"), "missing");
        await AssertUnauthenticatedAsync(await WithToken("not-a-token").GetAsync("/v1/me"), "malformed");
        await AssertUnauthenticatedAsync(await WithToken(user.Token[..^4]).GetAsync("/v1/me"), "malformed");
        await AssertUnauthenticatedAsync(await WithToken(signedOut).GetAsync("/v1/me"), "revoked");
        await AssertUnauthenticatedAsync(await WithToken(signedOut).PostAsync("/hubs/chat/negotiate?negotiateVersion=1", null), "revoked");
        await AssertUnauthenticatedAsync(await Anonymous().PostAsync("/hubs/chat/negotiate?negotiateVersion=1", null), "missing");

        // Wrong credentials at sign-in are unauthenticated without a token reason.
        var wrong = await (await Anonymous().PostJsonAsync("/v1/auth/sign-in", new { userId = user.Id, password = "wrong", udid = "x" }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.False(wrong.TryGetProperty("reason", out _));
    }

    [Fact]
    public async Task Sessions_ListsMineOnly_EndingOneClosesItsConnections_AndAnotherUsersSessionIsNotFound()
    {
        var user = await factory.CreateUserAsync();
        var stranger = await factory.CreateUserAsync();
        var laptopToken = await factory.SignInAsync(user.Id, "laptop");
        await using var laptop = await HubTestClient.ConnectAsync(factory, laptopToken);
        await laptop.InvokeAsync("ListSessions");

        var sessions = await (await user.Client.GetAsync("/v1/me/sessions")).AssertOkAsync();

        Assert.Equal([("device-1", true), ("laptop", false)],
            sessions.EnumerateArray().Select(s => (s.GetProperty("udid").GetString(), s.GetProperty("current").GetBoolean())));
        var laptopId = sessions[1].GetProperty("id").GetString()!;
        var strangerSessionId = (await (await stranger.Client.GetAsync("/v1/me/sessions")).AssertOkAsync())[0].GetProperty("id").GetString()!;

        await (await user.Client.DeleteAsync($"/v1/me/sessions/{strangerSessionId}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        (await stranger.Client.GetAsync("/v1/me")).EnsureSuccessStatusCode();
        await (await user.Client.DeleteAsync("/v1/me/sessions/no-such-session")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/v1/me/sessions/{laptopId}")).StatusCode);

        await laptop.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        await AssertUnauthenticatedAsync(await WithToken(laptopToken).GetAsync("/v1/me"), "revoked");
        Assert.Single((await (await user.Client.GetAsync("/v1/me/sessions")).AssertOkAsync()).EnumerateArray());
    }

    [Fact]
    public async Task Hub_ListsAndEndsMySessions_ButNotAnotherUsers()
    {
        var user = await factory.CreateUserAsync();
        var stranger = await factory.CreateUserAsync();
        var tabletToken = await factory.SignInAsync(user.Id, "tablet");
        await using var tablet = await HubTestClient.ConnectAsync(factory, tabletToken);
        await using var phone = await HubTestClient.ConnectAsync(factory, user.Token);

        var sessions = await phone.InvokeAsync("ListSessions");
        Assert.Equal(["device-1"], sessions.EnumerateArray().Where(s => s.GetProperty("current").GetBoolean()).Select(s => s.GetProperty("udid").GetString()));
        var tabletId = sessions.EnumerateArray().Single(s => s.GetProperty("udid").GetString() == "tablet").GetProperty("id").GetString();
        var strangerSessionId = (await (await stranger.Client.GetAsync("/v1/me/sessions")).AssertOkAsync())[0].GetProperty("id").GetString();

        var refused = await Assert.ThrowsAsync<HubErrorException>(() => phone.InvokeAsync("EndSession", strangerSessionId));
        Assert.Contains("HubException: not-found: ", refused.Message, StringComparison.Ordinal);
        (await stranger.Client.GetAsync("/v1/me")).EnsureSuccessStatusCode();

        await phone.InvokeAsync("EndSession", tabletId);

        await tablet.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(phone.Closed.IsCompleted);
    }

    [Fact]
    public async Task Hub_RefreshToken_RefusesATokenOfAnotherSessionOrGarbage()
    {
        var user = await factory.CreateUserAsync();
        var stranger = await factory.CreateUserAsync();
        var otherDevice = await factory.SignInAsync(user.Id, "device-2");
        await using var hub = await HubTestClient.ConnectAsync(factory, user.Token);

        foreach (var (token, code) in new[] { (stranger.Token, "invalid-argument"), (otherDevice, "invalid-argument"), ("garbage", "unauthenticated") })
        {
            var refused = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("RefreshToken", token));
            Assert.Contains($"HubException: {code}: ", refused.Message, StringComparison.Ordinal);
        }

        var fine = await hub.InvokeAsync("RefreshToken", user.Token);
        Assert.True(fine.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
    }

    internal static async Task AssertUnauthenticatedAsync(HttpResponseMessage response, string reason)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
    }

    private static string Refresh(JsonElement signIn) => signIn.GetProperty("refreshToken").GetString()!;

    private async Task<JsonElement> SignInAsync(string userId, string udid) =>
        await (await Anonymous().PostJsonAsync("/v1/auth/sign-in", new { userId, password = ApiFactory.Password, udid })).AssertOkAsync();

    private HttpClient Anonymous() => factory.CreateClient();

    private HttpClient WithToken(string token)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
