using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class MessagesApiTests(ApiFactory factory)
{
    [Fact]
    public async Task SendMessage_New_Returns201WithStoredMessage()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);

        var response = await users[0].Client.PostJsonAsync("/v1/messages", Send(organizationId, users[1].Id, "hello", "c-1"));

        var message = await response.AssertOkAsync(HttpStatusCode.Created);
        Assert.Equal(1, message.GetProperty("sortNumber").GetInt64());
        Assert.Equal(users[0].Id, message.GetProperty("senderId").GetString());
        Assert.Equal(users[1].Id, message.GetProperty("recipientId").GetString());
        Assert.Equal(organizationId, message.GetProperty("organizationId").GetString());
        Assert.Equal("hello", message.GetProperty("body").GetString());
        Assert.Equal("c-1", message.GetProperty("clientMessageId").GetString());
        Assert.Matches("^[a-f0-9]{32}$", message.GetProperty("id").GetString());
        Assert.True(message.TryGetProperty("createdAt", out _));
        Assert.NotNull(response.Headers.Location);
    }

    [Fact]
    public async Task SendMessage_Retry_Returns200WithSameMessageAndStoresOnce()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var request = Send(organizationId, users[1].Id, "once", "retry-1");

        var first = await (await users[0].Client.PostJsonAsync("/v1/messages", request)).AssertOkAsync(HttpStatusCode.Created);
        var retry = await (await users[0].Client.PostJsonAsync("/v1/messages", request)).AssertOkAsync(HttpStatusCode.OK);

        Assert.Equal(first.GetProperty("id").GetString(), retry.GetProperty("id").GetString());
        var history = await (await users[1].Client.GetAsync(MessagesPath(first))).AssertOkAsync();
        Assert.Equal(1, history.GetArrayLength());
        Assert.Equal(1, (await Unread(users[1], organizationId)).GetProperty("unreadCount").GetInt32());
    }

    [Fact]
    public async Task SendMessage_RecipientNotMember_Returns403PermissionDenied()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var outsider = await factory.CreateUserAsync();

        await (await users[0].Client.PostJsonAsync("/v1/messages", Send(organizationId, outsider.Id, "hi", "c")))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
    }

    [Fact]
    public async Task SendMessage_SenderNotMember_Returns403PermissionDenied()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var outsider = await factory.CreateUserAsync();

        await (await outsider.Client.PostJsonAsync("/v1/messages", Send(organizationId, users[0].Id, "hi", "c")))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
    }

    [Theory]
    [InlineData("""{"organizationId":"o","recipientId":"r","body":"","clientMessageId":"c"}""")]
    [InlineData("""{"organizationId":"o","recipientId":"r","body":"hi"}""")]
    [InlineData("""{"organizationId":"o","recipientId":"r b","body":"hi","clientMessageId":"c"}""")]
    [InlineData("""{"recipientId":"r","body":"hi","clientMessageId":"c"}""")]
    [InlineData("""{"organizationId":"o","recipientId":"r","body":"hi","clientMessageId":"c" """)]
    [InlineData("""[1,2,3]""")]
    [InlineData("""{"organizationId":7,"recipientId":"r","body":"hi","clientMessageId":"c"}""")]
    [InlineData("""{"organizationId":"o","recipientId":"r","body":"hi","clientMessageId":"c","priority":"urgent"}""")]
    [InlineData("""{"organizationId":"o","recipientId":"r","body":"hi","clientMessageId":"c","priority":7}""")]
    [InlineData("""{"organizationId":"o","recipientId":"r","body":"hi","clientMessageId":"c","metadata":[{"namespace":"a b","mimeType":"text/plain","payload":"x"}]}""")]
    [InlineData("""{"organizationId":"o","recipientId":"r","body":"hi","clientMessageId":"c","metadata":{"namespace":"a"}}""")]
    [InlineData("""{"organizationId":"o","recipientId":"r","body":"hi","clientMessageId":"c","silent":"yes"}""")]
    public async Task SendMessage_InvalidBody_Returns400InvalidArgument(string body)
    {
        var (_, users) = await factory.ProvisionAsync(1);

        var response = await users[0].Client.PostAsync("/v1/messages", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task SendMessage_HighPriority_StoredWithItAndCountedInThePriorityUnread()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var (sender, recipient) = (users[0], users[1]);

        var urgent = await (await sender.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = recipient.Id, body = "now", clientMessageId = "u-1", priority = "high" }))
            .AssertOkAsync(HttpStatusCode.Created);
        var plain = await (await sender.Client.PostJsonAsync("/v1/messages", Send(organizationId, recipient.Id, "later", "u-2"))).AssertOkAsync(HttpStatusCode.Created);

        Assert.Equal(("high", "normal"), (urgent.GetProperty("priority").GetString(), plain.GetProperty("priority").GetString()));

        // The recipient's roster hears of the second message in the background.
        await Problems.EventuallyAsync(async () => (await Unread(recipient, organizationId)).GetProperty("unreadCount").GetInt32() == 2);
        var entry = (await (await recipient.Client.GetAsync($"/v1/organizations/{organizationId}/conversations")).AssertOkAsync()).GetProperty("items")[0];
        Assert.Equal((2, 1), (entry.GetProperty("unreadCount").GetInt32(), entry.GetProperty("priorityUnreadCount").GetInt32()));
        var unread = await Unread(recipient, organizationId);
        Assert.Equal((2, 1), (unread.GetProperty("unreadCount").GetInt32(), unread.GetProperty("priorityUnreadCount").GetInt32()));
        var history = await (await recipient.Client.GetAsync($"/v1/conversations/{urgent.GetProperty("conversationId").GetString()}/messages?order=oldest")).AssertOkAsync();
        Assert.Equal(["high", "normal"], history.EnumerateArray().Select(m => m.GetProperty("priority").GetString()));
    }

    [Fact]
    public async Task SendMessage_WithMetadataAndSilent_ReturnedAndKeptInHistory()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var metadata = new[] { new { @namespace = "card", mimeType = "application/json", payload = """{"title":"Q3"}""" } };

        var sent = await (await users[0].Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = users[1].Id, body = "card", clientMessageId = "m-1", metadata, silent = true }))
            .AssertOkAsync(HttpStatusCode.Created);

        var history = await (await users[1].Client.GetAsync($"/v1/conversations/{sent.GetProperty("conversationId").GetString()}/messages")).AssertOkAsync();
        foreach (var message in new[] { sent, history[0] })
        {
            var entry = Assert.Single(message.GetProperty("metadata").EnumerateArray());
            Assert.Equal(("card", "application/json", """{"title":"Q3"}"""), (entry.GetProperty("namespace").GetString(), entry.GetProperty("mimeType").GetString(), entry.GetProperty("payload").GetString()));
            Assert.True(message.GetProperty("silent").GetBoolean());
        }
    }

    [Fact]
    public async Task ResendAndForward_OverRest_NewMessagesAnd403AcrossOrganizations()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (alice, bob, carol) = (users[0], users[1], users[2]);
        var original = await (await alice.Client.PostJsonAsync("/v1/messages", Send(organizationId, bob.Id, "hello", "o-1"))).AssertOkAsync(HttpStatusCode.Created);
        var path = $"/v1/conversations/{original.GetProperty("conversationId").GetString()}/messages/1";

        var resent = await (await alice.Client.PostJsonAsync($"{path}/resend", new { clientMessageId = "r-1", priority = "high" })).AssertOkAsync(HttpStatusCode.Created);
        Assert.Equal(("hello", "high", 2L), (resent.GetProperty("body").GetString(), resent.GetProperty("priority").GetString(), resent.GetProperty("sortNumber").GetInt64()));
        await (await alice.Client.PostJsonAsync($"{path}/resend", new { clientMessageId = "r-1", priority = "high" })).AssertOkAsync(HttpStatusCode.OK);
        await (await bob.Client.PostJsonAsync($"{path}/resend", new { clientMessageId = "r-2" })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");

        var toCarol = ConversationKey.For(organizationId, bob.Id, carol.Id).ToGrainKey();
        var forwarded = await (await bob.Client.PostJsonAsync($"{path}/forward", new { toConversationId = toCarol, clientMessageId = "f-1" })).AssertOkAsync(HttpStatusCode.Created);
        Assert.Equal((toCarol, bob.Id, alice.Id), (forwarded.GetProperty("conversationId").GetString(), forwarded.GetProperty("senderId").GetString(), forwarded.GetProperty("forwarded").GetProperty("senderId").GetString()));
        var (otherOrganization, _) = await factory.ProvisionAsync(1);
        var abroad = ConversationKey.For(otherOrganization, bob.Id, carol.Id).ToGrainKey();
        await (await bob.Client.PostJsonAsync($"{path}/forward", new { toConversationId = abroad, clientMessageId = "f-2" })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await carol.Client.PostJsonAsync($"{path}/forward", new { toConversationId = toCarol, clientMessageId = "f-3" })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
    }

    [Fact]
    public async Task SendMessage_ToSelf_Returns400()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);

        await (await users[0].Client.PostJsonAsync("/v1/messages", Send(organizationId, users[0].Id, "me", "c"))).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task SendMessage_BodyOver64KiBInUtf8_Returns400()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);

        await (await users[0].Client.PostJsonAsync("/v1/messages", Send(organizationId, users[1].Id, new string('é', 40_000), "c")))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task SendMessage_Anonymous_Returns401()
    {
        using var anonymous = factory.CreateClient();

        await (await anonymous.PostJsonAsync("/v1/messages", Send("o", "r", "hi", "c"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Conversations_AfterSends_ListUnreadLastMessageAndCounterparty()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (me, x, y) = (users[0], users[1], users[2]);
        await x.Client.PostJsonAsync("/v1/messages", Send(organizationId, me.Id, "from x", "1"));
        await y.Client.PostJsonAsync("/v1/messages", Send(organizationId, me.Id, "from y", "1"));
        var last = await (await y.Client.PostJsonAsync("/v1/messages", Send(organizationId, me.Id, "from y again", "2"))).AssertOkAsync(HttpStatusCode.Created);

        var list = (await (await me.Client.GetAsync($"/v1/organizations/{organizationId}/conversations")).AssertOkAsync()).GetProperty("items");

        Assert.Equal(2, list.GetArrayLength());
        var top = list[0];
        Assert.Equal(last.GetProperty("conversationId").GetString(), top.GetProperty("id").GetString());
        Assert.Equal(y.Id, top.GetProperty("counterpartyId").GetString());
        Assert.Equal(2, top.GetProperty("unreadCount").GetInt32());
        Assert.Equal("from y again", top.GetProperty("lastMessage").GetProperty("body").GetString());
        Assert.True(top.TryGetProperty("updatedAt", out _));
        Assert.Equal(x.Id, list[1].GetProperty("counterpartyId").GetString());
        var unread = await Unread(me, organizationId);
        Assert.Equal((3, 2), (unread.GetProperty("unreadCount").GetInt32(), unread.GetProperty("unreadConversationCount").GetInt32()));
    }

    [Fact]
    public async Task Conversations_NotMember_Returns403()
    {
        var (organizationId, _) = await factory.ProvisionAsync(1);
        var outsider = await factory.CreateUserAsync();

        await (await outsider.Client.GetAsync($"/v1/organizations/{organizationId}/conversations")).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await outsider.Client.GetAsync($"/v1/organizations/{organizationId}/unread")).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
    }

    [Fact]
    public async Task History_Pages_BeforeAfterLimitOrder()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        JsonElement message = default;
        for (var i = 1; i <= 7; i++)
        {
            message = await (await users[i % 2].Client.PostJsonAsync("/v1/messages", Send(organizationId, users[(i + 1) % 2].Id, $"m{i}", $"c{i}"))).AssertOkAsync(HttpStatusCode.Created);
        }

        var path = MessagesPath(message);
        Assert.Equal(new long[] { 7, 6, 5, 4, 3, 2, 1 }, await SortNumbers(users[0], path));
        Assert.Equal(new long[] { 7, 6 }, await SortNumbers(users[0], path + "?limit=2"));
        Assert.Equal(new long[] { 4, 3 }, await SortNumbers(users[0], path + "?before=5&limit=2"));
        Assert.Equal(new long[] { 3, 4, 5 }, await SortNumbers(users[1], path + "?after=2&limit=3&order=oldest"));
        Assert.Equal(new long[] { 6, 7 }, await SortNumbers(users[1], path + "?after=5&order=asc"));
        Assert.Equal(new long[] { 3 }, await SortNumbers(users[1], path + "?after=2&before=4&order=newest"));
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=201")]
    [InlineData("?limit=abc")]
    [InlineData("?before=-1")]
    [InlineData("?before=x")]
    [InlineData("?order=sideways")]
    public async Task History_InvalidQuery_Returns400(string query)
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var message = await (await users[0].Client.PostJsonAsync("/v1/messages", Send(organizationId, users[1].Id, "m", "c"))).AssertOkAsync(HttpStatusCode.Created);

        await (await users[0].Client.GetAsync(MessagesPath(message) + query)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Theory]
    [InlineData("not-a-conversation")]
    [InlineData("o:b:a")]
    [InlineData("o:a:a")]
    public async Task History_MalformedConversationId_Returns400(string conversationId)
    {
        var (_, users) = await factory.ProvisionAsync(1);

        await (await users[0].Client.GetAsync($"/v1/conversations/{conversationId}/messages")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task ConversationEndpoints_ThirdUser_Return403()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var message = await (await users[0].Client.PostJsonAsync("/v1/messages", Send(organizationId, users[1].Id, "private", "c"))).AssertOkAsync(HttpStatusCode.Created);
        var conversationId = message.GetProperty("conversationId").GetString()!;

        await (await users[2].Client.GetAsync(MessagesPath(message))).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await users[2].Client.GetAsync($"/v1/conversations/{conversationId}")).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await users[2].Client.PostJsonAsync($"/v1/conversations/{conversationId}/read", new { sortNumber = 1 })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
    }

    [Fact]
    public async Task GetMessages_RecipientCatchesUp_SenderSeesThemDeliveredNotRead()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        JsonElement message = default;
        for (var i = 1; i <= 3; i++)
        {
            message = await (await users[0].Client.PostJsonAsync("/v1/messages", Send(organizationId, users[1].Id, $"m{i}", $"c{i}"))).AssertOkAsync(HttpStatusCode.Created);
        }

        var conversationId = message.GetProperty("conversationId").GetString()!;
        await (await users[1].Client.GetAsync($"/v1/conversations/{conversationId}/messages?limit=2&order=oldest")).AssertOkAsync();

        // Delivered receipts are stored and pushed by a flush a second later.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        JsonElement senderView;
        do
        {
            await Task.Delay(100);
            senderView = await (await users[0].Client.GetAsync($"/v1/conversations/{conversationId}")).AssertOkAsync();
        }
        while (senderView.GetProperty("counterpartyDeliveredSortNumber").GetInt64() < 2 && DateTime.UtcNow < deadline);

        Assert.Equal((2L, 0L), (senderView.GetProperty("counterpartyDeliveredSortNumber").GetInt64(), senderView.GetProperty("counterpartyReadSortNumber").GetInt64()));
        var receipts = await (await users[0].Client.GetAsync($"/v1/conversations/{conversationId}/messages/3/receipts")).AssertOkAsync();
        Assert.Equal([users[1].Id], receipts.GetProperty("pending").EnumerateArray().Select(u => u.GetString()));
    }

    [Fact]
    public async Task MarkRead_UpToLast_ClearsUnreadAndMovesCursor()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        JsonElement message = default;
        for (var i = 1; i <= 3; i++)
        {
            message = await (await users[0].Client.PostJsonAsync("/v1/messages", Send(organizationId, users[1].Id, $"m{i}", $"c{i}"))).AssertOkAsync(HttpStatusCode.Created);
        }

        var conversationId = message.GetProperty("conversationId").GetString()!;
        var partial = await (await users[1].Client.PostJsonAsync($"/v1/conversations/{conversationId}/read", new { sortNumber = 2 })).AssertOkAsync();
        Assert.Equal((2L, 1), (partial.GetProperty("readSortNumber").GetInt64(), partial.GetProperty("unreadCount").GetInt32()));
        Assert.Equal(1, (await Unread(users[1], organizationId)).GetProperty("unreadCount").GetInt32());

        var all = await (await users[1].Client.PostJsonAsync($"/v1/conversations/{conversationId}/read", new { sortNumber = 3 })).AssertOkAsync();
        Assert.Equal(0, all.GetProperty("unreadCount").GetInt32());
        Assert.Equal(0, (await Unread(users[1], organizationId)).GetProperty("unreadCount").GetInt32());
        var senderView = await (await users[0].Client.GetAsync($"/v1/conversations/{conversationId}")).AssertOkAsync();
        Assert.Equal(3, senderView.GetProperty("counterpartyReadSortNumber").GetInt64());
    }

    [Fact]
    public async Task MarkUnread_AfterReading_CountsAgainForMeOnlyAnd403ForOthers()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        JsonElement message = default;
        for (var i = 1; i <= 3; i++)
        {
            message = await (await users[0].Client.PostJsonAsync("/v1/messages", Send(organizationId, users[1].Id, $"m{i}", $"c{i}"))).AssertOkAsync(HttpStatusCode.Created);
        }

        var conversationId = message.GetProperty("conversationId").GetString()!;
        await (await users[1].Client.PostJsonAsync($"/v1/conversations/{conversationId}/read", new { sortNumber = 3 })).AssertOkAsync();

        var marked = await (await users[1].Client.PostJsonAsync($"/v1/conversations/{conversationId}/unread", new { sortNumber = 2 })).AssertOkAsync();
        Assert.Equal((1L, 2), (marked.GetProperty("readSortNumber").GetInt64(), marked.GetProperty("unreadCount").GetInt32()));
        Assert.Equal(2, (await Unread(users[1], organizationId)).GetProperty("unreadCount").GetInt32());
        var senderView = await (await users[0].Client.GetAsync($"/v1/conversations/{conversationId}")).AssertOkAsync();
        Assert.Equal(3, senderView.GetProperty("counterpartyReadSortNumber").GetInt64()); // The receipt stands.

        await (await users[2].Client.PostJsonAsync($"/v1/conversations/{conversationId}/unread", new { sortNumber = 1 })).AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");
        await (await users[1].Client.PostAsync($"/v1/conversations/{conversationId}/unread", new StringContent("""{"sortNumber":-1}""", Encoding.UTF8, "application/json")))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Theory]
    [InlineData("""{"sortNumber":-1}""")]
    [InlineData("""{"sortNumber":"x"}""")]
    [InlineData("""{"sortNumber":1""")]
    public async Task MarkRead_InvalidBody_Returns400(string body)
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var message = await (await users[0].Client.PostJsonAsync("/v1/messages", Send(organizationId, users[1].Id, "m", "c"))).AssertOkAsync(HttpStatusCode.Created);

        var response = await users[1].Client.PostAsync($"/v1/conversations/{message.GetProperty("conversationId").GetString()}/read", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    private static object Send(string organizationId, string recipientId, string body, string clientMessageId) =>
        new { organizationId, recipientId, body, clientMessageId };

    private static string MessagesPath(JsonElement message) => $"/v1/conversations/{message.GetProperty("conversationId").GetString()}/messages";

    private static async Task<JsonElement> Unread(TestUser user, string organizationId) =>
        await (await user.Client.GetAsync($"/v1/organizations/{organizationId}/unread")).AssertOkAsync();

    private static async Task<long[]> SortNumbers(TestUser user, string path) =>
        [.. (await (await user.Client.GetAsync(path)).AssertOkAsync()).EnumerateArray().Select(m => m.GetProperty("sortNumber").GetInt64())];
}
