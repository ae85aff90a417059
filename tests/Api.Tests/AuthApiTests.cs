using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Orleans.Chat.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class AuthApiTests(ApiFactory factory)
{
    [Fact]
    public async Task SignIn_ByUserId_ReturnsBearerTokenThatWorks()
    {
        var user = await factory.CreateUserAsync();
        using var anonymous = factory.CreateClient();

        var body = await (await anonymous.PostJsonAsync("/v1/auth/sign-in", new { userId = user.Id, password = ApiFactory.Password, udid = "phone" })).AssertOkAsync();

        Assert.Equal("Bearer", body.GetProperty("tokenType").GetString());
        Assert.Equal(user.Id, body.GetProperty("userId").GetString());
        Assert.Equal(3600, body.GetProperty("expiresIn").GetInt64());
        using var client = factory.CreateUserClient(body.GetProperty("accessToken").GetString()!);
        Assert.Equal(user.Id, (await (await client.GetAsync("/v1/me")).AssertOkAsync()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task SignIn_ByEmailInOtherCase_Succeeds()
    {
        var user = await factory.CreateUserAsync();
        using var anonymous = factory.CreateClient();

        var body = await (await anonymous.PostJsonAsync("/v1/auth/sign-in", new { email = user.Email.ToUpperInvariant(), password = ApiFactory.Password, udid = "phone" })).AssertOkAsync();

        Assert.Equal(user.Id, body.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task SignIn_ByPhone_Succeeds()
    {
        using var admin = factory.CreateAdminClient();
        var id = ApiFactory.NewId("user");
        var phone = "+44 20 " + Random.Shared.Next(10_000_000, 99_999_999);
        (await admin.PostJsonAsync("/v1/admin/users", new { id, phone, displayName = "P", password = ApiFactory.Password })).EnsureSuccessStatusCode();
        using var anonymous = factory.CreateClient();

        var body = await (await anonymous.PostJsonAsync("/v1/auth/sign-in", new { phone, password = ApiFactory.Password, udid = "phone" })).AssertOkAsync();

        Assert.Equal(id, body.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task SignIn_WrongPasswordOrUnknownUser_Returns401Unauthenticated()
    {
        var user = await factory.CreateUserAsync();
        using var anonymous = factory.CreateClient();

        await (await anonymous.PostJsonAsync("/v1/auth/sign-in", new { userId = user.Id, password = "wrong password", udid = "d" })).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await anonymous.PostJsonAsync("/v1/auth/sign-in", new { userId = ApiFactory.NewId("ghost"), password = "whatever1", udid = "d" })).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await anonymous.PostJsonAsync("/v1/auth/sign-in", new { email = "nobody@example.com", password = "whatever1", udid = "d" })).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Theory]
    [InlineData("""{"password":"password1","udid":"d"}""")]
    [InlineData("""{"userId":"a","email":"a@example.com","password":"password1","udid":"d"}""")]
    [InlineData("""{"userId":"a","password":"password1"}""")]
    [InlineData("""{"userId":"a","udid":"d"}""")]
    [InlineData("""{"userId":"a b","password":"password1","udid":"d"}""")]
    [InlineData("""{"email":"not-an-email","password":"password1","udid":"d"}""")]
    [InlineData("""{"userId":"a","password":"password1","udid":"d""")]
    public async Task SignIn_InvalidBody_Returns400InvalidArgument(string body)
    {
        using var anonymous = factory.CreateClient();

        var response = await anonymous.PostAsync("/v1/auth/sign-in", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task SignOut_Token_StopsWorkingAtOnceButOtherDeviceKeepsWorking()
    {
        var user = await factory.CreateUserAsync();
        var otherToken = await factory.SignInAsync(user.Id, "laptop");

        var response = await user.Client.PostAsync("/v1/auth/sign-out", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await user.Client.GetAsync("/v1/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await user.Client.PostAsync("/v1/auth/sign-out", null)).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        using var other = factory.CreateUserClient(otherToken);
        await (await other.GetAsync("/v1/me")).AssertOkAsync();
    }

    [Fact]
    public async Task SignIn_SameDeviceAgain_OldTokenStopsWorking()
    {
        var user = await factory.CreateUserAsync();

        var newToken = await factory.SignInAsync(user.Id, "device-1");

        await (await user.Client.GetAsync("/v1/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        using var client = factory.CreateUserClient(newToken);
        await (await client.GetAsync("/v1/me")).AssertOkAsync();
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    public async Task Me_InvalidOrMissingToken_Returns401Unauthenticated(string token)
    {
        using var client = factory.CreateClient();
        if (token.Length > 0)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        await (await client.GetAsync("/v1/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }
}

/// <summary>Tokens are protected with data-protection keys under the data directory, so they survive a restart.</summary>
public sealed class TokenPersistenceTests
{
    [Fact]
    public async Task Token_AfterRestartOnSameDataDirectory_StillWorks()
    {
        var directory = Path.Combine(Path.GetTempPath(), "orleans-chat-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            string token, userId;
            await using (var first = new ApiFactory(directory, deleteOnDispose: false))
            {
                var user = await first.CreateUserAsync();
                (token, userId) = (user.Token, user.Id);
            }

            await using var second = new ApiFactory(directory, deleteOnDispose: false);
            using var client = second.CreateUserClient(token);
            Assert.Equal(userId, (await (await client.GetAsync("/v1/me")).AssertOkAsync()).GetProperty("id").GetString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>Sign-in attempts are rate limited per client address.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task SignIn_OverTheLimit_Returns429RateLimited()
    {
        await using var factory = new LimitedFactory();
        using var anonymous = factory.CreateClient();
        var request = new { userId = "nobody", password = "whatever1", udid = "d" };

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostJsonAsync("/v1/auth/sign-in", request)).StatusCode);
        }

        await (await anonymous.PostJsonAsync("/v1/auth/sign-in", request)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
    }

    private sealed class LimitedFactory : ApiFactory
    {
        protected override IEnumerable<(string Key, string Value)> Settings() =>
            base.Settings().Where(s => s.Key != "RateLimits:SignInPerMinute").Append(("RateLimits:SignInPerMinute", "3"));
    }
}
