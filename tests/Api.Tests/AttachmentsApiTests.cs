using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Grains;
using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Api.Tests;

/// <summary>The Api with a 1 MiB upload limit, so that tests cross it cheaply.</summary>
public sealed class AttachmentsApiFactory : ApiFactory
{
    public const int MaxBytes = 1024 * 1024;

    public IBlobStore Blobs => Services.GetRequiredService<IBlobStore>();

    public string AttachmentsDirectory => Path.Combine(DataDirectory, "attachments");

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [.. base.Settings(), ("Attachments:MaxBytes", MaxBytes.ToString(CultureInfo.InvariantCulture))];
}

public sealed class AttachmentsApiTests(AttachmentsApiFactory factory) : IClassFixture<AttachmentsApiFactory>
{
    [Fact]
    public async Task SendWithAttachments_MembersDownload_ForwardsCarryThem_ARecallDeletesTheBytes()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (alice, bob, carol) = (users[0], users[1], users[2]);
        var photo = RandomBytes(4_096);
        using var form = Form(photo, "photo.png", "image/png", width: 640, height: 480);
        var id = (await (await alice.Client.PostAsync(UploadPath(organizationId), form)).AssertOkAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

        // Bob may not send Alice's upload; Alice sends it to Bob, as an image message with a caption.
        await (await bob.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = carol.Id, body = "", clientMessageId = "b-1", attachmentIds = new[] { id } }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var sent = await (await alice.Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = bob.Id, clientMessageId = "a-1", attachmentIds = new[] { id } }))
            .AssertOkAsync(HttpStatusCode.Created);
        Assert.Equal(("image", "", 640), (sent.GetProperty("type").GetString(), sent.GetProperty("body").GetString(), sent.GetProperty("attachments")[0].GetProperty("width").GetInt32()));
        Assert.Equal(photo, await DownloadAsync(bob, id));
        await AssertNotFoundAsync(carol, id);

        var conversationId = sent.GetProperty("conversationId").GetString()!;
        var listed = await (await bob.Client.GetAsync($"/v1/conversations/{Uri.EscapeDataString(conversationId)}/attachments")).AssertOkAsync();
        Assert.Equal((id, 1L), (listed.GetProperty("items")[0].GetProperty("attachment").GetProperty("id").GetString(), listed.GetProperty("items")[0].GetProperty("sortNumber").GetInt64()));

        // Bob forwards it to Carol: she may download it too, from her own conversation.
        var toCarol = ConversationKey.For(organizationId, bob.Id, carol.Id).ToGrainKey();
        await (await bob.Client.PostJsonAsync($"/v1/conversations/{Uri.EscapeDataString(conversationId)}/messages/1/forward", new { toConversationId = toCarol, clientMessageId = "f-1" }))
            .AssertOkAsync(HttpStatusCode.Created);
        Assert.Equal(photo, await DownloadAsync(carol, id));

        // Alice recalls hers: the forward still holds the attachment, so the bytes stay for Bob and Carol. Bob recalls the
        // forward too, and with the last message that carried them the bytes are gone.
        await (await alice.Client.PostAsync($"/v1/conversations/{Uri.EscapeDataString(conversationId)}/messages/1/recall", null)).AssertOkAsync();
        Assert.Equal(photo, await DownloadAsync(carol, id));
        await AssertNotFoundAsync(alice, id);
        await (await bob.Client.PostAsync($"/v1/conversations/{Uri.EscapeDataString(toCarol)}/messages/1/recall", null)).AssertOkAsync();
        await AssertNotFoundAsync(carol, id);
        await AssertNotFoundAsync(bob, id);
        Assert.DoesNotContain(id, await BlobNamesAsync());
    }

    [Fact]
    public async Task SendALocation_IsALocationMessage_AndBadCoordinatesAreRefused()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);

        var sent = await (await users[0].Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = users[1].Id, clientMessageId = "l-1", location = new { latitude = 52.37, longitude = 4.89 } }))
            .AssertOkAsync(HttpStatusCode.Created);

        Assert.Equal(("location", 52.37), (sent.GetProperty("type").GetString(), sent.GetProperty("location").GetProperty("latitude").GetDouble()));
        await (await users[0].Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = users[1].Id, clientMessageId = "l-2", location = new { latitude = 91, longitude = 0 } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
        await (await users[0].Client.PostJsonAsync("/v1/messages", new { organizationId, recipientId = users[1].Id, clientMessageId = "l-3" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task Upload_ThenDescriptionAndContent_RoundTrip()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var bytes = RandomBytes(300_000);

        var response = await users[0].Client.PostAsync(UploadPath(organizationId), Form(bytes, "holiday photo.png", "image/png", width: 1024, height: 768));

        var created = await response.AssertOkAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal($"/v1/attachments/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(organizationId, created.GetProperty("organizationId").GetString());
        Assert.Equal(users[0].Id, created.GetProperty("uploaderId").GetString());
        Assert.Equal("holiday photo.png", created.GetProperty("fileName").GetString());
        Assert.Equal("image/png", created.GetProperty("contentType").GetString());
        Assert.Equal(bytes.Length, created.GetProperty("size").GetInt64());
        Assert.Equal(1024, created.GetProperty("width").GetInt32());
        Assert.Equal(768, created.GetProperty("height").GetInt32());
        Assert.True(created.TryGetProperty("createdAt", out _));

        var described = await (await users[0].Client.GetAsync($"/v1/attachments/{id}")).AssertOkAsync();
        Assert.Equal(created.GetRawText(), described.GetRawText());

        var content = await users[0].Client.GetAsync($"/v1/attachments/{id}/content");
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.Equal("image/png", content.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes.Length, content.Content.Headers.ContentLength);
        Assert.Equal("attachment", content.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("holiday photo.png", content.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal("nosniff", content.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(bytes, await content.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_Range_ReturnsThatPart()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var bytes = RandomBytes(10_000);
        var id = await UploadAsync(users[0], organizationId, bytes);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/attachments/{id}/content");
        request.Headers.Range = new RangeHeaderValue(1000, 1999);

        var response = await users[0].Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(bytes.AsSpan(1000, 1000).ToArray(), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Upload_NoFileNameOrTypeGiven_IsOctetStreamNamedAfterThePart()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        using var form = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", @"C:\Users\me\report.bin" } };

        var created = await (await users[0].Client.PostAsync(UploadPath(organizationId), form)).AssertOkAsync(HttpStatusCode.Created);

        Assert.Equal("report.bin", created.GetProperty("fileName").GetString());
        Assert.Equal("application/octet-stream", created.GetProperty("contentType").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("width").ValueKind);
    }

    [Fact]
    public async Task Upload_NotAMemberOfTheOrganization_Returns403AndStoresNothing()
    {
        var (organizationId, _) = await factory.ProvisionAsync(1);
        var outsider = await factory.CreateUserAsync();
        var before = await BlobNamesAsync();

        await (await outsider.Client.PostAsync(UploadPath(organizationId), Form([1, 2, 3], "a.txt", "text/plain")))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "permission-denied");

        Assert.Equal(before, await BlobNamesAsync());
    }

    [Fact]
    public async Task Upload_PastMaxBytes_Returns413AndStoresNothing()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var before = await BlobNamesAsync();

        var problem = await (await users[0].Client.PostAsync(UploadPath(organizationId), Form(RandomBytes(AttachmentsApiFactory.MaxBytes + 1), "big.zip", "application/zip")))
            .AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "invalid-argument");

        Assert.Contains(AttachmentsApiFactory.MaxBytes.ToString(CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await BlobNamesAsync());
    }

    [Fact]
    public async Task Upload_ExactlyMaxBytes_IsStored()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);

        var created = await (await users[0].Client.PostAsync(UploadPath(organizationId), Form(RandomBytes(AttachmentsApiFactory.MaxBytes), "big.zip", "application/zip")))
            .AssertOkAsync(HttpStatusCode.Created);

        Assert.Equal(AttachmentsApiFactory.MaxBytes, created.GetProperty("size").GetInt64());
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/x-msdownload")]
    public async Task Upload_ContentTypeNotAllowed_Returns415AndStoresNothing(string contentType)
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var before = await BlobNamesAsync();

        await (await users[0].Client.PostAsync(UploadPath(organizationId), Form([1, 2, 3], "page.html", contentType)))
            .AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "invalid-argument");

        Assert.Equal(before, await BlobNamesAsync());
    }

    [Fact]
    public async Task Upload_NoFilePart_Returns400()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        using var form = new MultipartFormDataContent { { new StringContent("640"), "width" } };

        await (await users[0].Client.PostAsync(UploadPath(organizationId), form)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task Upload_NotMultipart_Returns400()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);

        await (await users[0].Client.PostJsonAsync(UploadPath(organizationId), new { file = "abc" })).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");
    }

    [Fact]
    public async Task Upload_MalformedPartHeaders_Returns400()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var body = new StringContent("--b\r\nno colon in this header line\r\n\r\nabc\r\n--b--\r\n");
        body.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        var problem = await (await users[0].Client.PostAsync(UploadPath(organizationId), body)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");

        Assert.Contains("malformed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("wide")]
    [InlineData("100001")]
    public async Task Upload_BadWidth_Returns400(string width)
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        using var form = new MultipartFormDataContent { { new StringContent(width), "width" }, { File([1]), "file", "a.png" } };

        var problem = await (await users[0].Client.PostAsync(UploadPath(organizationId), form)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-argument");

        Assert.Equal("width", problem.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Upload_AbortedMidway_LeavesNoBlobAndNoTemporaryFile()
    {
        var (organizationId, users) = await factory.ProvisionAsync(1);
        var before = await BlobNamesAsync();

        // The client goes away once the server is writing the file (its temporary file exists), as a dropped connection would.
        var writing = false;
        using var disconnect = new CancellationTokenSource();
        var content = new BreakingStream(RandomBytes(800_000), breakAt: 500_000, beforeBreaking: async () =>
        {
            writing = await WaitForAsync(() => TemporaryFiles().Length > 0);
            await disconnect.CancelAsync();
        });
        using var form = new MultipartFormDataContent { { new StreamContent(content), "file", "clip.mp4" } };
        await Assert.ThrowsAnyAsync<Exception>(() => StreamingClient(users[0]).PostAsync(UploadPath(organizationId), form, disconnect.Token));
        Assert.True(writing, "the server never started writing the file");

        // The server cleans up after the client has gone. No blob means no record either: the record is made after the blob.
        Assert.True(await WaitForAsync(() => TemporaryFiles().Length == 0), "the temporary file of the aborted upload remained");
        Assert.Equal(before, await BlobNamesAsync());
    }

    [Fact]
    public async Task Uploader_BeforeAnyMessageHoldsIt_MayReadIt_OthersGetNotFoundAsForNoAttachment()
    {
        var (organizationId, users) = await factory.ProvisionAsync(2);
        var outsider = await factory.CreateUserAsync();
        var id = await UploadAsync(users[0], organizationId, [1, 2, 3]);

        Assert.Equal([1, 2, 3], await DownloadAsync(users[0], id));
        foreach (var other in new[] { users[1], outsider })
        {
            await AssertNotFoundAsync(other, id);
        }

        // The very answer for an id nobody uploaded.
        await AssertNotFoundAsync(users[1], AttachmentId.New());
        await AssertNotFoundAsync(users[1], "not-an-id");
    }

    /// <summary>
    /// Until sends carry attachments (the next step), this test writes the messages into the conversation's log itself,
    /// as the conversation would, and attaches the upload the way the conversation will.
    /// </summary>
    [Fact]
    public async Task MemberOfAConversationWhoseMessageCarriesIt_MayReadIt_OthersMayNot()
    {
        var (organizationId, users) = await factory.ProvisionAsync(3);
        var (sender, recipient, bystander) = (users[0], users[1], users[2]);
        var outsider = await factory.CreateUserAsync();
        var bytes = RandomBytes(5_000);
        var id = await UploadAsync(sender, organizationId, bytes);
        var attachment = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IAttachmentGrain>(id);
        var conversationId = ConversationKey.For(organizationId, sender.Id, recipient.Id).ToGrainKey();

        // Held by message 1, which does not carry it: that is no reason to show it.
        await AppendMessageAsync(conversationId, organizationId, sender.Id, recipient.Id, 1, attachments: null);
        await attachment.AttachAsync(sender.Id, conversationId, 1);
        await AssertNotFoundAsync(recipient, id);

        var info = await attachment.GetAsync();
        await AppendMessageAsync(conversationId, organizationId, sender.Id, recipient.Id, 2, [info.ToMessageAttachment()]);
        await attachment.AttachAsync(sender.Id, conversationId, 2);

        Assert.Equal(bytes, await DownloadAsync(recipient, id));
        Assert.Equal(id, (await (await recipient.Client.GetAsync($"/v1/attachments/{id}")).AssertOkAsync()).GetProperty("id").GetString());
        Assert.Equal(bytes, await DownloadAsync(sender, id));
        await AssertNotFoundAsync(bystander, id);
        await AssertNotFoundAsync(outsider, id);
    }

    private static string UploadPath(string organizationId) => $"/v1/organizations/{organizationId}/attachments";

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static ByteArrayContent File(byte[] bytes, string contentType = "image/png")
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return file;
    }

    private static MultipartFormDataContent Form(byte[] bytes, string fileName, string contentType, int? width = null, int? height = null)
    {
        var form = new MultipartFormDataContent();
        if (width is { } w)
        {
            form.Add(new StringContent(w.ToString(CultureInfo.InvariantCulture)), "width");
        }

        if (height is { } h)
        {
            form.Add(new StringContent(h.ToString(CultureInfo.InvariantCulture)), "height");
        }

        form.Add(File(bytes, contentType), "file", fileName);
        return form;
    }

    private static async Task<string> UploadAsync(TestUser user, string organizationId, byte[] bytes)
    {
        using var form = Form(bytes, "file.bin", "application/octet-stream");
        var created = await (await user.Client.PostAsync(UploadPath(organizationId), form)).AssertOkAsync(HttpStatusCode.Created);
        return created.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// A client that sends a body as it is read: the factory's own clients pass requests through a redirect handler,
    /// which reads a request's whole body before sending it (to send it again after a redirect).
    /// </summary>
    private HttpClient StreamingClient(TestUser user)
    {
        var client = factory.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        return client;
    }

    private static async Task<byte[]> DownloadAsync(TestUser user, string id)
    {
        var response = await user.Client.GetAsync($"/v1/attachments/{id}/content");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>The description and the content both answer not-found, word for word what an unknown id gets.</summary>
    private static async Task AssertNotFoundAsync(TestUser user, string id)
    {
        foreach (var path in new[] { $"/v1/attachments/{id}", $"/v1/attachments/{id}/content" })
        {
            var problem = await (await user.Client.GetAsync(path)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
            Assert.Equal($"Attachment '{id}' does not exist.", problem.GetProperty("detail").GetString());
        }
    }

    private async Task AppendMessageAsync(string conversationId, string organizationId, string senderId, string recipientId, long sortNumber, IReadOnlyList<MessageAttachment>? attachments)
    {
        var message = new Message(Guid.NewGuid().ToString("N"), conversationId, organizationId, sortNumber, senderId, recipientId,
            "see attached", $"c-{sortNumber}", DateTimeOffset.UtcNow, Attachments: attachments);
        await factory.Services.GetRequiredService<IMessageLog>().AppendAsync(new LogEntry(
            conversationId, sortNumber, message.Id, $"{senderId}:{message.ClientMessageId}", senderId, message.CreatedAt,
            JsonSerializer.Serialize(message, ChatJsonContext.Default.Message)));
    }

    private async Task<List<string>> BlobNamesAsync()
    {
        var names = new List<string>();
        await foreach (var name in factory.Blobs.ListAsync())
        {
            names.Add(name);
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private string[] TemporaryFiles() =>
        Directory.Exists(factory.AttachmentsDirectory) ? Directory.GetFiles(factory.AttachmentsDirectory, "*.tmp") : [];

    private static async Task<bool> WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return condition();
    }

    /// <summary>An upload's body that delivers <paramref name="breakAt"/> bytes, runs <paramref name="beforeBreaking"/>, then fails.</summary>
    private sealed class BreakingStream(byte[] bytes, int breakAt, Func<Task> beforeBreaking) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= breakAt)
            {
                await beforeBreaking();
                throw new IOException("The client went away.");
            }

            var count = Math.Min(buffer.Length, Math.Min(16 * 1024, breakAt - _position));
            bytes.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
