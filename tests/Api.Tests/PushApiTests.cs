using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>Push token registration over REST and the hub: per device, listed only to their owner.</summary>
[Collection(ApiCollection.Name)]
public sealed class PushApiTests(ApiFactory factory)
{
    private const string P256dh = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
    private const string Auth = "tBHItJI5svbpez7KI4CCXg";

    [Fact]
    public async Task PushToken_Rest_OnePerDevice_ReplacedListedAndRemoved()
    {
        var bob = await factory.CreateUserAsync();
        using var browser = factory.CreateUserClient(await factory.SignInAsync(bob.Id, "device-2"));

        await (await bob.Client.PutAsJsonAsync("/v1/me/push-token", new { provider = "fcm", token = "first" }, ApiFactory.Json)).AssertOkAsync();
        var replaced = await (await bob.Client.PutAsJsonAsync("/v1/me/push-token", new { provider = "apns", token = "second" }, ApiFactory.Json)).AssertOkAsync();
        var web = await (await browser.PutAsJsonAsync("/v1/me/push-token", new
        {
            provider = "webpush",
            endpoint = "https://push.example/send/abc",
            expirationTime = (long?)null,
            keys = new { p256dh = P256dh, auth = Auth },
        }, ApiFactory.Json)).AssertOkAsync();

        Assert.Equal(("apns", "second", true), (replaced.GetProperty("provider").GetString(), replaced.GetProperty("token").GetString(), replaced.GetProperty("current").GetBoolean()));
        Assert.Equal(("webpush", "https://push.example/send/abc"), (web.GetProperty("provider").GetString(), web.GetProperty("token").GetString()));
        var list = (await (await bob.Client.GetAsync("/v1/me/push-tokens")).AssertOkAsync()).EnumerateArray().ToList();
        Assert.Equal([("second", true), ("https://push.example/send/abc", false)], list.Select(t => (t.GetProperty("token").GetString(), t.GetProperty("current").GetBoolean())));
        Assert.Equal(replaced.GetProperty("deviceId").GetString(), list[0].GetProperty("deviceId").GetString());
        Assert.DoesNotContain(list, t => t.TryGetProperty("keys", out _)); // the keys stay in the user's state

        Assert.Equal(HttpStatusCode.NoContent, (await bob.Client.DeleteAsync("/v1/me/push-token")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.Client.DeleteAsync("/v1/me/push-token")).StatusCode); // nothing left: the same

        Assert.Equal(["https://push.example/send/abc"], (await (await bob.Client.GetAsync("/v1/me/push-tokens")).AssertOkAsync()).EnumerateArray().Select(t => t.GetProperty("token").GetString()));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"provider":"gcm","token":"t"}""")]
    [InlineData("""{"provider":"apns"}""")]
    [InlineData("""{"provider":"apns","token":"has space"}""")]
    [InlineData("""{"provider":"fcm","token":"t","endpoint":"https://push.example/x"}""")]
    [InlineData("""{"provider":"webpush","endpoint":"https://push.example/x"}""")]
    [InlineData("""{"provider":"webpush","endpoint":"http://push.example/x","keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM","auth":"tBHItJI5svbpez7KI4CCXg"}}""")]
    [InlineData("""{"provider":"webpush","endpoint":"https://push.example/x","keys":{"p256dh":"AAAA","auth":"tBHItJI5svbpez7KI4CCXg"}}""")]
    [InlineData("""{"provider":"webpush","endpoint":"https://push.example/x","keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM","auth":"!!"}}""")]
    public async Task PushToken_Rest_Invalid_InvalidArgument_ChangesNothing(string body)
    {
        var bob = await factory.CreateUserAsync();
        await (await bob.Client.PutAsJsonAsync("/v1/me/push-token", new { provider = "fcm", token = "kept" }, ApiFactory.Json)).AssertOkAsync();

        var response = await bob.Client.PutAsync("/v1/me/push-token", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        Assert.Equal(["kept"], (await (await bob.Client.GetAsync("/v1/me/push-tokens")).AssertOkAsync()).EnumerateArray().Select(t => t.GetProperty("token").GetString()));
    }

    [Fact]
    public async Task PushTokens_Rest_AMemberOfMyOrganizationOrAStranger_SeeAndRemoveNoneOfMine()
    {
        var (_, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var (_, strangers) = await factory.ProvisionAsync(1);
        await (await bob.Client.PutAsJsonAsync("/v1/me/push-token", new { provider = "fcm", token = "bobs" }, ApiFactory.Json)).AssertOkAsync();

        foreach (var other in new[] { alice, strangers[0] })
        {
            Assert.Empty((await (await other.Client.GetAsync("/v1/me/push-tokens")).AssertOkAsync()).EnumerateArray());
            Assert.Equal(HttpStatusCode.NoContent, (await other.Client.DeleteAsync("/v1/me/push-token")).StatusCode);
        }

        Assert.Equal(["bobs"], (await (await bob.Client.GetAsync("/v1/me/push-tokens")).AssertOkAsync()).EnumerateArray().Select(t => t.GetProperty("token").GetString()));
    }

    [Fact]
    public async Task PushToken_SignOut_DropsThatDevicesToken()
    {
        var bob = await factory.CreateUserAsync();
        using var phone = factory.CreateUserClient(await factory.SignInAsync(bob.Id, "device-2"));
        await (await phone.PutAsJsonAsync("/v1/me/push-token", new { provider = "fcm", token = "phones" }, ApiFactory.Json)).AssertOkAsync();

        (await phone.PostAsync("/v1/auth/sign-out", null)).EnsureSuccessStatusCode();

        Assert.Empty((await (await bob.Client.GetAsync("/v1/me/push-tokens")).AssertOkAsync()).EnumerateArray());
    }

    [Fact]
    public async Task PushToken_Hub_RegisterAndUnregister()
    {
        var bob = await factory.CreateUserAsync();
        await using var hub = await HubTestClient.ConnectAsync(factory, bob.Token);

        var registered = await hub.InvokeAsync("RegisterPushToken", new { provider = "apns", token = "from-hub" });

        Assert.Equal(("apns", "from-hub", true), (registered.GetProperty("provider").GetString(), registered.GetProperty("token").GetString(), registered.GetProperty("current").GetBoolean()));
        Assert.Equal(["from-hub"], (await (await bob.Client.GetAsync("/v1/me/push-tokens")).AssertOkAsync()).EnumerateArray().Select(t => t.GetProperty("token").GetString()));
        var invalid = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("RegisterPushToken", new { provider = "webpush", endpoint = "http://push.example/x" }));
        Assert.Contains("HubException: invalid-argument: ", invalid.Message, StringComparison.Ordinal);
        Assert.True((await hub.InvokeAsync("UnregisterPushToken")).GetBoolean());
        Assert.False((await hub.InvokeAsync("UnregisterPushToken")).GetBoolean());
        Assert.Empty((await (await bob.Client.GetAsync("/v1/me/push-tokens")).AssertOkAsync()).EnumerateArray());
    }
}
