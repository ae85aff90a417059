using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Chat.Api.Tests;

/// <summary>Mutes, notification levels and notification settings over REST and the hub.</summary>
[Collection(ApiCollection.Name)]
public sealed class NotificationsApiTests(ApiFactory factory)
{
    [Fact]
    public async Task Mute_Rest_ShowsInMyEntryAndMutedList_LeavesTheTotal_AndOtherDevicesGetTheChange()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        var conversationId = await SendAsync(organizationId, alice, bob.Id, "m-1");
        await using var otherDevice = await HubTestClient.ConnectAsync(factory, await factory.SignInAsync(bob.Id, "device-2"));
        await otherDevice.InvokeAsync("ListConversations", organizationId, null);

        var muted = await (await bob.Client.PutAsJsonAsync($"/v1/conversations/{conversationId}/mute", new { minutes = 30 }, ApiFactory.Json)).AssertOkAsync();

        var until = muted.GetProperty("mutedUntil").GetDateTimeOffset();
        Assert.InRange(until - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));
        var change = await otherDevice.NextAsync("conversation:change", c => c.GetProperty("conversation").GetProperty("mutedUntil").ValueKind == JsonValueKind.String);
        Assert.Equal(0, change.GetProperty("unread").GetProperty("unreadCount").GetInt32());
        var list = await (await bob.Client.GetAsync($"/v1/organizations/{organizationId}/muted")).AssertOkAsync();
        Assert.Equal([conversationId], list.EnumerateArray().Select(v => v.GetProperty("id").GetString()));
        Assert.Equal(0, (await (await bob.Client.GetAsync($"/v1/organizations/{organizationId}/unread")).AssertOkAsync()).GetProperty("unreadCount").GetInt32());
        Assert.Empty((await (await alice.Client.GetAsync($"/v1/organizations/{organizationId}/muted")).AssertOkAsync()).EnumerateArray());

        var unmuted = await (await bob.Client.DeleteAsync($"/v1/conversations/{conversationId}/mute")).AssertOkAsync();

        Assert.Equal(JsonValueKind.Null, unmuted.GetProperty("mutedUntil").ValueKind);
        Assert.Equal(1, (await (await bob.Client.GetAsync($"/v1/organizations/{organizationId}/unread")).AssertOkAsync()).GetProperty("unreadCount").GetInt32());
    }

    [Fact]
    public async Task UnmuteAll_Rest_EndsEveryMuteAndSaysHowMany()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var first = await SendAsync(organizationId, users[0], users[2].Id, "a-1");
        var second = await SendAsync(organizationId, users[1], users[2].Id, "a-2");
        foreach (var conversationId in new[] { first, second })
        {
            await (await users[2].Client.PutAsJsonAsync($"/v1/conversations/{conversationId}/mute", new { minutes = 5 }, ApiFactory.Json)).AssertOkAsync();
        }

        var ended = await (await users[2].Client.DeleteAsync($"/v1/organizations/{organizationId}/muted")).AssertOkAsync();

        Assert.Equal(2, ended.GetProperty("unmuted").GetInt32());
        Assert.Empty((await (await users[2].Client.GetAsync($"/v1/organizations/{organizationId}/muted")).AssertOkAsync()).EnumerateArray());
    }

    [Theory]
    [InlineData("{\"minutes\":0}")]
    [InlineData("{\"minutes\":525601}")]
    [InlineData("{\"minutes\":\"soon\"}")]
    [InlineData("{}")]
    public async Task Mute_Rest_BadMinutes_InvalidArgument(string body)
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var conversationId = await SendAsync(organizationId, users[0], users[1].Id, "b-1");

        var response = await users[1].Client.PutAsync($"/v1/conversations/{conversationId}/mute", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        Assert.Empty((await (await users[1].Client.GetAsync($"/v1/organizations/{organizationId}/muted")).AssertOkAsync()).EnumerateArray());
    }

    [Fact]
    public async Task MuteAndLevel_Rest_AConversationNotMine_NotFound_AndAnotherOrganizationsList_PermissionDenied()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var theirs = await SendAsync(organizationId, users[0], users[1].Id, "n-1");
        var (_, strangers) = await factory.ProvisionAsync(1);

        foreach (var user in new[] { users[2], strangers[0] })
        {
            await (await user.Client.PutAsJsonAsync($"/v1/conversations/{theirs}/mute", new { minutes = 5 }, ApiFactory.Json)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
            await (await user.Client.DeleteAsync($"/v1/conversations/{theirs}/mute")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
            await (await user.Client.PutAsJsonAsync($"/v1/conversations/{theirs}/notifications", new { level = "none" }, ApiFactory.Json)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        }

        await (await strangers[0].Client.GetAsync($"/v1/organizations/{organizationId}/muted")).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await strangers[0].Client.DeleteAsync($"/v1/organizations/{organizationId}/muted")).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
    }

    [Theory]
    [InlineData("{\"level\":\"loud\"}")]
    [InlineData("{}")]
    public async Task NotificationLevel_Rest_BadLevel_InvalidArgument(string body)
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var conversationId = await SendAsync(organizationId, users[0], users[1].Id, "l-1");

        var response = await users[1].Client.PutAsync($"/v1/conversations/{conversationId}/notifications", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task NotificationLevel_Rest_IsInMyEntryOnly()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var conversationId = await SendAsync(organizationId, users[0], users[1].Id, "l-2");

        var set = await (await users[1].Client.PutAsJsonAsync($"/v1/conversations/{conversationId}/notifications", new { level = "mentions" }, ApiFactory.Json)).AssertOkAsync();

        Assert.Equal("mentions", set.GetProperty("notificationLevel").GetString());
        var mine = await (await users[1].Client.GetAsync($"/v1/organizations/{organizationId}/conversations")).AssertOkAsync();
        Assert.Equal("mentions", mine.GetProperty("items")[0].GetProperty("notificationLevel").GetString());
        var theirs = await (await users[0].Client.GetAsync($"/v1/organizations/{organizationId}/conversations")).AssertOkAsync();
        Assert.Equal("all", theirs.GetProperty("items")[0].GetProperty("notificationLevel").GetString());
    }

    [Fact]
    public async Task Settings_Rest_CountMutedInUnreadTotal_DefaultsFalse_AndCountsMutedWhenSet()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var conversationId = await SendAsync(organizationId, users[0], users[1].Id, "s-1");
        var bob = users[1].Client;
        await (await bob.PutAsJsonAsync($"/v1/conversations/{conversationId}/mute", new { minutes = 5 }, ApiFactory.Json)).AssertOkAsync();
        Assert.False((await (await bob.GetAsync("/v1/me/settings")).AssertOkAsync()).GetProperty("countMutedInUnreadTotal").GetBoolean());

        var set = await (await bob.PatchAsJsonAsync("/v1/me/settings", new { countMutedInUnreadTotal = true }, ApiFactory.Json)).AssertOkAsync();

        Assert.True(set.GetProperty("countMutedInUnreadTotal").GetBoolean());
        Assert.Equal(1, (await (await bob.GetAsync($"/v1/organizations/{organizationId}/unread")).AssertOkAsync()).GetProperty("unreadCount").GetInt32());
        Assert.True((await (await bob.PatchAsJsonAsync("/v1/me/settings", new { }, ApiFactory.Json)).AssertOkAsync()).GetProperty("countMutedInUnreadTotal").GetBoolean());
    }

    [Fact]
    public async Task Hub_MuteListLevelUnmuteAndSettings()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var conversationId = await SendAsync(organizationId, users[0], users[1].Id, "h-1");
        var theirs = await SendAsync(organizationId, users[0], users[2].Id, "h-2");
        await using var bob = await HubTestClient.ConnectAsync(factory, users[1].Token);

        var muted = await bob.InvokeAsync("MuteConversation", conversationId, 10);
        Assert.Equal(JsonValueKind.String, muted.GetProperty("mutedUntil").ValueKind);
        Assert.Equal([conversationId], (await bob.InvokeAsync("ListMuted", organizationId)).EnumerateArray().Select(v => v.GetProperty("id").GetString()));
        Assert.Equal("none", (await bob.InvokeAsync("SetNotificationLevel", conversationId, "none")).GetProperty("notificationLevel").GetString());
        Assert.Equal(JsonValueKind.Null, (await bob.InvokeAsync("UnmuteConversation", conversationId)).GetProperty("mutedUntil").ValueKind);
        await bob.InvokeAsync("MuteConversation", conversationId, 10);
        Assert.Equal(1, (await bob.InvokeAsync("UnmuteAll", organizationId)).GetInt32());
        Assert.True((await bob.InvokeAsync("UpdateNotificationSettings", new { countMutedInUnreadTotal = true })).GetProperty("countMutedInUnreadTotal").GetBoolean());
        Assert.True((await bob.InvokeAsync("GetNotificationSettings")).GetProperty("countMutedInUnreadTotal").GetBoolean());

        var notMine = await Assert.ThrowsAsync<HubErrorException>(() => bob.InvokeAsync("MuteConversation", theirs, 10));
        Assert.Contains("HubException: not-found: ", notMine.Message, StringComparison.Ordinal);
        var tooLong = await Assert.ThrowsAsync<HubErrorException>(() => bob.InvokeAsync("MuteConversation", conversationId, 525_601));
        Assert.Contains("HubException: invalid-argument: ", tooLong.Message, StringComparison.Ordinal);
    }

    private static async Task<string> SendAsync(string organizationId, TestUser from, string to, string clientMessageId)
    {
        var sent = await (await from.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = to, body = "hello", clientMessageId })).AssertOkAsync(HttpStatusCode.Created);
        return sent.GetProperty("conversationId").GetString()!;
    }
}
