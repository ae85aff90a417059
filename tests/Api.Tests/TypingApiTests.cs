using System.Net;
using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Api.Tests;

/// <summary>The Api with a 1 s typing timeout and 6 typing calls per user per minute, so that tests see both cheaply.</summary>
public sealed class TypingApiFactory : ApiFactory
{
    public const int TypingPerMinute = 6;

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [.. base.Settings(), ("Silo:Typing:Timeout", "00:00:01"), ("RateLimits:TypingPerMinute", TypingPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture))];
}

/// <summary>Typing over REST and the hub: who hears it, the timeout, who may type, and the rate limit.</summary>
public sealed class TypingApiTests(TypingApiFactory factory) : IClassFixture<TypingApiFactory>
{
    [Fact]
    public async Task StartTyping_OverHub_TheOtherMemberHears_NotTheTypistsOtherDevice_AndItEndsByItself()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var conversationId = ConversationKey.For(organizationId, alice.Id, bob.Id).ToGrainKey();
        await using var aliceHub = await HubTestClient.ConnectAsync(factory, alice.Token);
        await using var aliceTablet = await HubTestClient.ConnectAsync(factory, await factory.SignInAsync(alice.Id, "device-2"));
        await using var bobHub = await HubTestClient.ConnectAsync(factory, bob.Token);
        foreach (var hub in new[] { aliceHub, aliceTablet, bobHub })
        {
            await hub.InvokeAsync("ListConversations", organizationId, null);
        }

        await aliceHub.InvokeAsync("StartTyping", conversationId);

        var started = await bobHub.NextAsync("typing:change");
        Assert.Equal((conversationId, organizationId, alice.Id, true), (started.GetProperty("conversationId").GetString(), started.GetProperty("organizationId").GetString(), started.GetProperty("userId").GetString(), started.GetProperty("typing").GetBoolean()));
        Assert.True(started.TryGetProperty("at", out _));
        var ended = await bobHub.NextAsync("typing:change", c => !c.GetProperty("typing").GetBoolean());
        Assert.Equal(alice.Id, ended.GetProperty("userId").GetString());
        Assert.Equal(0, aliceTablet.Count("typing:change"));
        Assert.Equal(0, aliceHub.Count("typing:change"));
    }

    [Fact]
    public async Task PostTyping_InAGroup_204_TheOtherMembersHearTheStartAndTheStop()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var groupId = (await (await users[0].Client.PostJsonAsync($"/v1/organizations/{organizationId}/groups", new { name = "Team", memberIds = new[] { users[1].Id, users[2].Id } }))
            .AssertOkAsync(HttpStatusCode.Created)).GetProperty("group").GetProperty("id").GetString()!;
        await using var hub = await HubTestClient.ConnectAsync(factory, users[2].Token);
        await hub.InvokeAsync("ListConversations", organizationId, null);

        await (await users[1].Client.PostJsonAsync($"/v1/conversations/{groupId}/typing", new { typing = true })).AssertOkAsync(HttpStatusCode.NoContent);
        await hub.NextAsync("typing:change", c => c.GetProperty("typing").GetBoolean() && c.GetProperty("userId").GetString() == users[1].Id);
        await (await users[1].Client.PostJsonAsync($"/v1/conversations/{groupId}/typing", new { typing = false })).AssertOkAsync(HttpStatusCode.NoContent);

        var stopped = await hub.NextAsync("typing:change", c => !c.GetProperty("typing").GetBoolean());
        Assert.Equal((groupId, users[1].Id), (stopped.GetProperty("conversationId").GetString(), stopped.GetProperty("userId").GetString()));
    }

    [Fact]
    public async Task PostTyping_NonMembers_AreRefused_AndNobodyHears()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (_, strangers) = await factory.ProvisionAsync(1);
        var conversationId = ConversationKey.For(organizationId, users[0].Id, users[1].Id).ToGrainKey();
        var groupId = (await (await users[0].Client.PostJsonAsync($"/v1/organizations/{organizationId}/groups", new { name = "Pair", memberIds = new[] { users[1].Id } }))
            .AssertOkAsync(HttpStatusCode.Created)).GetProperty("group").GetProperty("id").GetString()!;
        await using var hub = await HubTestClient.ConnectAsync(factory, users[1].Token);
        await hub.InvokeAsync("ListConversations", organizationId, null);

        foreach (var outsider in new[] { users[2], strangers[0] })
        {
            await (await outsider.Client.PostJsonAsync($"/v1/conversations/{conversationId}/typing", new { typing = true })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
            await (await outsider.Client.PostJsonAsync($"/v1/conversations/{groupId}/typing", new { typing = true })).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        }

        var error = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("StartTyping", "not a conversation"));
        Assert.Contains("invalid-argument:", error.Message, StringComparison.Ordinal);
        await (await users[0].Client.PostJsonAsync($"/v1/conversations/{conversationId}/typing", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await Task.Delay(300);
        Assert.Equal(0, hub.Count("typing:change"));
    }

    [Fact]
    public async Task Typing_OverTheLimit_IsRateLimited_RestWithRetryAfter_AndTheHubCountingWithRest()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var conversationId = ConversationKey.For(organizationId, users[0].Id, users[1].Id).ToGrainKey();
        var path = $"/v1/conversations/{conversationId}/typing";
        await using var hub = await HubTestClient.ConnectAsync(factory, users[0].Token);
        for (var i = 0; i < TypingApiFactory.TypingPerMinute - 1; i++)
        {
            await (await users[0].Client.PostJsonAsync(path, new { typing = i % 2 == 0 })).AssertOkAsync(HttpStatusCode.NoContent);
        }

        await hub.InvokeAsync("StopTyping", conversationId);
        var error = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("StartTyping", conversationId));
        Assert.Contains("rate-limited:", error.Message, StringComparison.Ordinal);
        var response = await users[0].Client.PostJsonAsync(path, new { typing = true });
        await response.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.InRange(response.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

        // Per user: the other member is not limited.
        await (await users[1].Client.PostJsonAsync(path, new { typing = true })).AssertOkAsync(HttpStatusCode.NoContent);
    }
}
