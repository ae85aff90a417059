using System.Net;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>Contacts over REST and the hub: each step on both sides, heard by every device of both users; who may ask whom.</summary>
[Collection(ApiCollection.Name)]
public sealed class ContactsApiTests(ApiFactory factory)
{
    [Fact]
    public async Task RequestConfirmListRemove_OverRest_EveryDeviceOfBothUsersHearsEachStep()
    {
        var (_, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        await using var aliceHere = await ConnectAsync(alice.Token);
        await using var aliceElsewhere = await ConnectAsync(await factory.SignInAsync(alice.Id, "device-2"));
        await using var bobHub = await ConnectAsync(bob.Token);

        var requested = await (await alice.Client.PutAsync($"/v1/me/contacts/{bob.Id}", null)).AssertOkAsync();

        Assert.Equal((bob.Id, "requestedByMe"), (requested.GetProperty("contactId").GetString(), requested.GetProperty("state").GetString()));
        foreach (var device in new[] { aliceHere, aliceElsewhere })
        {
            AssertChange(await device.NextAsync("contact:requested"), alice.Id, bob.Id, "requestedByMe", actorId: alice.Id);
        }

        AssertChange(await bobHub.NextAsync("contact:requested"), bob.Id, alice.Id, "requestedByThem", actorId: alice.Id);
        var waiting = Assert.Single((await (await bob.Client.GetAsync("/v1/me/contacts?state=requestedByThem")).AssertOkAsync()).EnumerateArray());
        Assert.Equal((alice.Id, "requestedByThem"), (waiting.GetProperty("contactId").GetString(), waiting.GetProperty("state").GetString()));
        Assert.Equal(alice.Id, waiting.GetProperty("profile").GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, waiting.GetProperty("profile").GetProperty("privateData").ValueKind);
        Assert.Empty((await (await bob.Client.GetAsync("/v1/me/contacts?state=confirmed")).AssertOkAsync()).EnumerateArray());

        var confirmed = await (await bob.Client.PostAsync($"/v1/me/contacts/{alice.Id}/confirm", null)).AssertOkAsync();

        Assert.Equal("confirmed", confirmed.GetProperty("state").GetString());
        AssertChange(await aliceElsewhere.NextAsync("contact:confirmed"), alice.Id, bob.Id, "confirmed", actorId: bob.Id);
        AssertChange(await bobHub.NextAsync("contact:confirmed"), bob.Id, alice.Id, "confirmed", actorId: bob.Id);
        foreach (var (me, other) in new[] { (alice, bob), (bob, alice) })
        {
            var contact = Assert.Single((await (await me.Client.GetAsync("/v1/me/contacts")).AssertOkAsync()).EnumerateArray());
            Assert.Equal((other.Id, "confirmed", other.Id), (contact.GetProperty("contactId").GetString(), contact.GetProperty("state").GetString(), contact.GetProperty("profile").GetProperty("id").GetString()));
        }

        await (await alice.Client.DeleteAsync($"/v1/me/contacts/{bob.Id}")).AssertOkAsync(HttpStatusCode.NoContent);

        AssertChange(await aliceHere.NextAsync("contact:removed"), alice.Id, bob.Id, null, actorId: alice.Id);
        AssertChange(await bobHub.NextAsync("contact:removed"), bob.Id, alice.Id, null, actorId: alice.Id);
        Assert.Empty((await (await bob.Client.GetAsync("/v1/me/contacts")).AssertOkAsync()).EnumerateArray());
        await (await alice.Client.DeleteAsync($"/v1/me/contacts/{bob.Id}")).AssertOkAsync(HttpStatusCode.NoContent); // nothing left: still fine
    }

    [Fact]
    public async Task Request_AUserOfAnotherOrganization_GetsTheProblemOfAMissingUser_WordForWord()
    {
        var (_, users) = await factory.ProvisionAsync(1);
        var (_, strangers) = await factory.ProvisionAsync(1);
        var (me, stranger) = (users[0], strangers[0]);

        var lookup = await (await me.Client.GetAsync($"/v1/users/{stranger.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var problems = new[]
        {
            await (await me.Client.PutAsync($"/v1/me/contacts/{stranger.Id}", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found"),
            await (await me.Client.PutAsync($"/v1/me/contacts/{ApiFactory.NewId("ghost")}", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found"),
            await (await me.Client.PostAsync($"/v1/me/contacts/{stranger.Id}/confirm", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found"),
            await (await stranger.Client.PutAsync($"/v1/me/contacts/{me.Id}", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found"),
        };

        Assert.All(problems, problem => Assert.Equal(
            (lookup.GetProperty("title").GetString(), lookup.GetProperty("detail").GetString()),
            (problem.GetProperty("title").GetString(), problem.GetProperty("detail").GetString())));
        Assert.Empty((await (await me.Client.GetAsync("/v1/me/contacts")).AssertOkAsync()).EnumerateArray());
        Assert.Empty((await (await stranger.Client.GetAsync("/v1/me/contacts")).AssertOkAsync()).EnumerateArray());
    }

    [Fact]
    public async Task ConfirmOrRejectARequestNeverMade_IsNotFound_AndBadInputIsInvalid()
    {
        var (_, users) = await factory.ProvisionAsync(2);
        var (me, other) = (users[0], users[1]);

        await (await me.Client.PostAsync($"/v1/me/contacts/{other.Id}/confirm", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await me.Client.PutAsync($"/v1/me/contacts/{other.Id}", null)).AssertOkAsync();
        await (await me.Client.PostAsync($"/v1/me/contacts/{other.Id}/confirm", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found"); // my own request
        await (await me.Client.PostAsync($"/v1/me/contacts/{other.Id}/reject", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await me.Client.PutAsync($"/v1/me/contacts/{me.Id}", null)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await me.Client.PutAsync("/v1/me/contacts/not%20an%20id", null)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await me.Client.GetAsync("/v1/me/contacts?state=friends")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");

        var mine = Assert.Single((await (await me.Client.GetAsync("/v1/me/contacts")).AssertOkAsync()).EnumerateArray());
        Assert.Equal("requestedByMe", mine.GetProperty("state").GetString());
        await (await other.Client.PostAsync($"/v1/me/contacts/{me.Id}/reject", null)).AssertOkAsync(HttpStatusCode.NoContent);
        Assert.Empty((await (await me.Client.GetAsync("/v1/me/contacts")).AssertOkAsync()).EnumerateArray());
    }

    [Fact]
    public async Task OverTheHub_RequestRejectRequestConfirmListRemove_BothSidesHear()
    {
        var (_, users) = await factory.ProvisionAsync(2);
        var (_, strangers) = await factory.ProvisionAsync(1);
        var (alice, bob) = (users[0], users[1]);
        await using var aliceHub = await ConnectAsync(alice.Token);
        await using var bobHub = await ConnectAsync(bob.Token);
        await using var bobElsewhere = await ConnectAsync(await factory.SignInAsync(bob.Id, "device-2"));

        Assert.Equal("requestedByMe", (await aliceHub.InvokeAsync("RequestContact", bob.Id)).GetProperty("state").GetString());
        AssertChange(await bobElsewhere.NextAsync("contact:requested"), bob.Id, alice.Id, "requestedByThem", actorId: alice.Id);
        await bobHub.InvokeAsync("RejectContact", alice.Id);
        AssertChange(await aliceHub.NextAsync("contact:rejected"), alice.Id, bob.Id, null, actorId: bob.Id);
        AssertChange(await bobElsewhere.NextAsync("contact:rejected"), bob.Id, alice.Id, null, actorId: bob.Id);

        await aliceHub.InvokeAsync("RequestContact", bob.Id);
        Assert.Equal("confirmed", (await bobHub.InvokeAsync("ConfirmContact", alice.Id)).GetProperty("state").GetString());
        AssertChange(await aliceHub.NextAsync("contact:confirmed"), alice.Id, bob.Id, "confirmed", actorId: bob.Id);
        var listed = Assert.Single((await aliceHub.InvokeAsync("ListContacts", "confirmed")).EnumerateArray());
        Assert.Equal((bob.Id, "confirmed", bob.Id), (listed.GetProperty("contactId").GetString(), listed.GetProperty("state").GetString(), listed.GetProperty("profile").GetProperty("id").GetString()));
        Assert.Empty((await bobHub.InvokeAsync("ListContacts", "requestedByThem")).EnumerateArray());

        await bobHub.InvokeAsync("RemoveContact", alice.Id);
        AssertChange(await aliceHub.NextAsync("contact:removed"), alice.Id, bob.Id, null, actorId: bob.Id);
        Assert.Empty((await aliceHub.InvokeAsync("ListContacts", [null])).EnumerateArray());

        var hidden = await Assert.ThrowsAsync<HubErrorException>(() => aliceHub.InvokeAsync("RequestContact", strangers[0].Id));
        Assert.EndsWith("HubException: not-found: No user you can see matches.", hidden.Message, StringComparison.Ordinal);
        var never = await Assert.ThrowsAsync<HubErrorException>(() => aliceHub.InvokeAsync("ConfirmContact", bob.Id));
        Assert.Contains("HubException: not-found: ", never.Message, StringComparison.Ordinal);
    }

    /// <summary>A hub connection that is set up: a hub call is answered only once its events are subscribed.</summary>
    private async Task<HubTestClient> ConnectAsync(string token)
    {
        var client = await HubTestClient.ConnectAsync(factory, token);
        await client.InvokeAsync("ListContacts", [null]);
        return client;
    }

    private static void AssertChange(JsonElement change, string userId, string contactId, string? state, string actorId)
    {
        Assert.Equal((userId, contactId, state, actorId), (
            change.GetProperty("userId").GetString(),
            change.GetProperty("contactId").GetString(),
            change.GetProperty("state").ValueKind == JsonValueKind.Null ? null : change.GetProperty("state").GetString(),
            change.GetProperty("actorId").GetString()));
        Assert.True(change.GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);
    }
}
