using System.Net;
using System.Text.Json;
using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Api.Tests;

/// <summary>
/// Offline sync: <c>GET /v1/sync</c>, the hub's <c>Sync</c>, and the replay on reconnect with <c>?cursor=</c>, which
/// sends what the device missed once, then <c>messages:offline:stop</c>, then live events without repeating any.
/// </summary>
public sealed class SyncApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Sync_WithoutSince_AsksForASnapshot_AndGivesTheCursorToGoOnFrom()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await SendAsync(organizationId, users[0], users[1], "m-1");
        await Problems.EventuallyAsync(async () => (await SyncAsync(users[1], 0)).GetProperty("events").GetArrayLength() == 2);

        var snapshot = await SyncAsync(users[1], since: null);

        Assert.True(snapshot.GetProperty("snapshotRequired").GetBoolean());
        Assert.Equal(0, snapshot.GetProperty("events").GetArrayLength());
        Assert.Equal(1999, snapshot.GetProperty("cursor").GetInt64());
    }

    [Fact]
    public async Task Sync_ReturnsTheEventsAfterTheCursor_OldestFirst_WithIncreasingCursors()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        await SendAsync(organizationId, alice, bob, "m-1");
        await SendAsync(organizationId, alice, bob, "m-2");
        await (await bob.Client.PostJsonAsync($"/v1/conversations/{Conversation(organizationId, alice, bob)}/read", new { sortNumber = 1 })).AssertOkAsync();
        await Problems.EventuallyAsync(async () => (await SyncAsync(alice, 0)).GetProperty("events").EnumerateArray().Any(e => e.GetProperty("event").GetString() == "message:read"));

        var all = await SyncAsync(bob, 0);
        var events = Events(all);

        Assert.Equal(["message", "message", "conversation:change"], events.Select(e => e.Name));
        Assert.Equal([1001L, 2001, 3999], events.Select(e => e.Cursor));
        Assert.Equal(["m-1", "m-2"], events.Where(e => e.Name == "message").Select(e => e.Data.GetProperty("clientMessageId").GetString()));
        Assert.Equal((3999L, false, false), (all.GetProperty("cursor").GetInt64(), all.GetProperty("hasMore").GetBoolean(), all.GetProperty("snapshotRequired").GetBoolean()));

        // Only the last change of a conversation in a page carries its entry, as it is now.
        Assert.Equal(1, events[^1].Data.GetProperty("conversation").GetProperty("readSortNumber").GetInt64());

        var rest = Events(await SyncAsync(bob, 1999));
        Assert.Equal([2001L, 3999], rest.Select(e => e.Cursor));

        var paged = await SyncAsync(bob, 0, limit: 1);
        Assert.Equal([1001L, 1999], Events(paged).Select(e => e.Cursor));
        Assert.True(paged.GetProperty("hasMore").GetBoolean());
    }

    [Fact]
    public async Task Sync_FromTheMiddleOfAChange_GivesTheRestOfIt()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await SendAsync(organizationId, users[0], users[1], "m-1");
        await Problems.EventuallyAsync(async () => (await SyncAsync(users[1], 0)).GetProperty("cursor").GetInt64() == 1999);

        var rest = Events(await SyncAsync(users[1], 1001));

        Assert.Equal([("conversation:change", 1999L)], rest.Select(e => (e.Name, e.Cursor)));
    }

    [Fact]
    public async Task Sync_OwnDevicesMessage_LeftOutForIt_GivenToMyOtherDevice()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await SendAsync(organizationId, users[0], users[1], "m-1");
        using var tablet = factory.CreateUserClient(await factory.SignInAsync(users[0].Id, "device-2"));

        var sendingDevice = Events(await SyncAsync(users[0], 0));
        var otherDevice = Events(await (await tablet.GetAsync("/v1/sync?since=0")).AssertOkAsync());

        Assert.Equal(["conversation:change"], sendingDevice.Select(e => e.Name));
        Assert.Equal(["message", "conversation:change"], otherDevice.Select(e => e.Name));
    }

    [Fact]
    public async Task Sync_ARecalledMessage_ComesAsItIsNow()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        await SendAsync(organizationId, alice, bob, "m-1", body: "regret this");
        await (await alice.Client.PostAsync($"/v1/conversations/{Conversation(organizationId, alice, bob)}/messages/1/recall", null)).AssertOkAsync();
        await Problems.EventuallyAsync(async () => Events(await SyncAsync(bob, 0)).Any(e => e.Name == "message:recalled"));

        var events = Events(await SyncAsync(bob, 0));

        var messages = events.Where(e => e.Name is "message" or "message:recalled").ToList();
        Assert.Equal(["message", "message:recalled"], messages.Select(e => e.Name));
        Assert.DoesNotContain("regret", JsonSerializer.Serialize(events.Select(e => e.Data)), StringComparison.Ordinal);
        Assert.True(messages[0].Data.TryGetProperty("recalled", out var recalled) && recalled.ValueKind == JsonValueKind.Object);
    }

    [Theory]
    [InlineData("?since=-1")]
    [InlineData("?since=0&limit=0")]
    [InlineData("?since=0&limit=1001")]
    [InlineData("?since=abc")]
    public async Task Sync_BadArguments_InvalidArgument(string query)
    {
        var (_, users) = await factory.ProvisionAsync(1);

        await (await users[0].Client.GetAsync("/v1/sync" + query)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task Sync_SignedOut_Unauthenticated()
    {
        using var client = factory.CreateClient();

        await (await client.GetAsync("/v1/sync?since=0")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Hub_ReconnectWithCursor_ReplaysWhatWasMissedOnce_ThenOfflineStop_ThenLive()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (alice, bob) = (users[0], users[1]);
        long cursor;
        await using (var first = await HubTestClient.ConnectAsync(factory, bob.Token))
        {
            await first.InvokeAsync("ListConversations", organizationId, null);
            await SendAsync(organizationId, alice, bob, "m-1");
            await first.NextAsync("conversation:change");
            cursor = first.Cursors.Last(c => c.Cursor is not null).Cursor!.Value;
        }

        Assert.Equal(1999, cursor);
        await SendAsync(organizationId, alice, bob, "m-2");
        await SendAsync(organizationId, alice, bob, "m-3");
        await Problems.EventuallyAsync(async () => (await SyncAsync(bob, 0)).GetProperty("cursor").GetInt64() == 3999);

        await using var again = await HubTestClient.ConnectAsync(factory, bob.Token, cursor.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stop = await again.NextAsync("messages:offline:stop");
        await SendAsync(organizationId, alice, bob, "m-4");
        await again.NextAsync("message", m => m.GetProperty("clientMessageId").GetString() == "m-4");
        await again.NextAsync("conversation:change", c => c.GetProperty("conversation").GetProperty("lastSortNumber").GetInt64() == 4);

        Assert.Equal((3999L, false, 3), (stop.GetProperty("cursor").GetInt64(), stop.GetProperty("snapshotRequired").GetBoolean(), stop.GetProperty("replayed").GetInt32()));
        lock (again.Events)
        {
            Assert.Equal(["m-2", "m-3", "m-4"], again.Events.Where(e => e.Target == "message").Select(e => e.Argument.GetProperty("clientMessageId").GetString()));
            var order = again.Cursors.Select(c => c.Target).ToList();
            Assert.True(order.IndexOf("messages:offline:stop") < order.FindLastIndex(t => t == "message"));
            var cursors = again.Cursors.Where(c => c.Cursor is not null).Select(c => c.Cursor!.Value).ToList();
            Assert.Equal([.. cursors.Order()], cursors);
            Assert.Equal(cursors.Count, cursors.Distinct().Count());
        }
    }

    [Fact]
    public async Task Hub_ConnectWithAForeignOrFutureCursor_SnapshotRequired()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await SendAsync(organizationId, users[0], users[1], "m-1");
        await Problems.EventuallyAsync(async () => (await SyncAsync(users[1], 0)).GetProperty("cursor").GetInt64() == 1999);

        foreach (var cursor in new[] { "999999", "not-a-cursor" })
        {
            await using var hub = await HubTestClient.ConnectAsync(factory, users[1].Token, cursor);
            var stop = await hub.NextAsync("messages:offline:stop");

            Assert.Equal((true, 1999L, 0), (stop.GetProperty("snapshotRequired").GetBoolean(), stop.GetProperty("cursor").GetInt64(), stop.GetProperty("replayed").GetInt32()));
            Assert.Equal(0, hub.Count("message"));
        }
    }

    [Fact]
    public async Task Hub_Sync_SameAsRest()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        await SendAsync(organizationId, users[0], users[1], "m-1");
        await Problems.EventuallyAsync(async () => (await SyncAsync(users[1], 0)).GetProperty("cursor").GetInt64() == 1999);
        await using var hub = await HubTestClient.ConnectAsync(factory, users[1].Token);

        var page = await hub.InvokeAsync("Sync", 0, 10);

        Assert.Equal([1001L, 1999], Events(page).Select(e => e.Cursor));
        var error = await Assert.ThrowsAsync<HubErrorException>(() => hub.InvokeAsync("Sync", 0, 0));
        Assert.Contains("invalid-argument:", error.Message, StringComparison.Ordinal);
    }

    private static string Conversation(string organizationId, TestUser a, TestUser b) => ConversationKey.For(organizationId, a.Id, b.Id).ToGrainKey();

    private static async Task SendAsync(string organizationId, TestUser from, TestUser to, string clientMessageId, string body = "hello") =>
        await (await from.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = to.Id, body, clientMessageId })).AssertOkAsync(HttpStatusCode.Created);

    private static async Task<JsonElement> SyncAsync(TestUser user, long? since, int? limit = null) =>
        await (await user.Client.GetAsync("/v1/sync" + (since is null ? "" : $"?since={since}") + (limit is null ? "" : $"{(since is null ? '?' : '&')}limit={limit}"))).AssertOkAsync();

    private static List<(string Name, long Cursor, JsonElement Data)> Events(JsonElement page) =>
        [.. page.GetProperty("events").EnumerateArray().Select(e => (e.GetProperty("event").GetString()!, e.GetProperty("cursor").GetInt64(), e.GetProperty("data")))];
}
