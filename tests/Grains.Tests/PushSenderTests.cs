using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Push;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Silo.Push;

namespace Orleans.Chat.Grains.Tests;

/// <summary>The webhook and Web Push senders against a real local HTTP listener that answers as told.</summary>
public sealed class PushSenderTests : IDisposable
{
    private const string Secret = "webhook-secret";

    private readonly HttpListener _listener = new();
    private readonly string _url;
    private readonly ServiceProvider _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();

    public PushSenderTests()
    {
        var port = FreePort();
        _url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(_url);
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Close();
        _services.Dispose();
    }

    [Fact]
    public async Task Webhook_PostsThePayload_SignedWithTheSecret()
    {
        var sender = Webhook();
        var push = Push(PushProvider.Apns, "apns-token");

        var sending = sender.SendAsync(push).AsTask();
        var context = await _listener.GetContextAsync();
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var signature = context.Request.Headers["X-Chat-Signature"];
        var contentType = context.Request.ContentType;
        Answer(context, 204);

        Assert.Equal(PushOutcome.Sent, await sending);
        Assert.Equal("POST", context.Request.HttpMethod);
        Assert.StartsWith("application/json", contentType, StringComparison.Ordinal);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body.ToArray())), signature);
        var json = JsonDocument.Parse(body.ToArray()).RootElement;
        Assert.Equal(
            ("user-1", "session-1", "apns", "apns-token", "org:a:b", "org", 7L, "a", "Alice", "Alice", "hello", 3),
            (json.GetProperty("userId").GetString(), json.GetProperty("deviceId").GetString(), json.GetProperty("provider").GetString(),
                json.GetProperty("token").GetString(), json.GetProperty("conversationId").GetString(), json.GetProperty("organizationId").GetString(),
                json.GetProperty("sortNumber").GetInt64(), json.GetProperty("senderId").GetString(), json.GetProperty("senderName").GetString(),
                json.GetProperty("title").GetString(), json.GetProperty("body").GetString(), json.GetProperty("badge").GetInt32()));
        Assert.Equal(push.SentAt, json.GetProperty("sentAt").GetDateTimeOffset());
    }

    [Theory]
    [InlineData(200, "", PushOutcome.Sent)]
    [InlineData(410, "", PushOutcome.DeadToken)]
    [InlineData(400, """{"reason":"Unregistered"}""", PushOutcome.DeadToken)]
    [InlineData(400, """{"error":{"status":"UNREGISTERED"}}""", PushOutcome.DeadToken)]
    [InlineData(400, """{"reason":"BadDeviceToken"}""", PushOutcome.DeadToken)]
    [InlineData(400, """{"reason":"PayloadTooLarge"}""", PushOutcome.Failed)]
    [InlineData(429, "", PushOutcome.Retry)]
    [InlineData(503, "", PushOutcome.Retry)]
    public async Task Webhook_Answer_MapsToTheOutcome(int status, string body, PushOutcome expected)
    {
        var sending = Webhook().SendAsync(Push(PushProvider.Fcm, "fcm-token")).AsTask();
        Answer(await _listener.GetContextAsync(), status, body);

        Assert.Equal(expected, await sending);
    }

    [Fact]
    public async Task Webhook_NoAnswerInTime_Retry()
    {
        var sending = Webhook(timeout: TimeSpan.FromMilliseconds(200)).SendAsync(Push(PushProvider.Fcm, "fcm-token")).AsTask();
        var context = await _listener.GetContextAsync(); // never answered in time

        Assert.Equal(PushOutcome.Retry, await sending);
        context.Response.Abort();
    }

    [Theory]
    [InlineData(201, PushOutcome.Sent)]
    [InlineData(404, PushOutcome.DeadToken)]
    [InlineData(410, PushOutcome.DeadToken)]
    [InlineData(500, PushOutcome.Retry)]
    [InlineData(400, PushOutcome.Failed)]
    public async Task WebPush_Answer_MapsToTheOutcome_AndTheRequestIsEncryptedAndSigned(int status, PushOutcome expected)
    {
        using var vapid = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var vapidKey = vapid.ExportParameters(includePrivateParameters: true);
        using var browser = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var browserKey = browser.ExportParameters(includePrivateParameters: false);
        using var sender = new WebPushSender(_services.GetRequiredService<IHttpClientFactory>(), Options.Create(new PushOptions
        {
            WebPush = new PushWebPushOptions { PublicKey = PublicKey(vapidKey.Q), PrivateKey = Base64Url(vapidKey.D!), Subject = "mailto:ops@example.com" },
        }));
        var push = Push(PushProvider.Webpush, _url + "push/abc") with
        {
            Keys = new WebPushKeys(PublicKey(browserKey.Q), Base64Url(RandomNumberGenerator.GetBytes(16))),
        };

        var sending = sender.SendAsync(push).AsTask();
        var context = await _listener.GetContextAsync();
        var (path, encoding, authorization) = (context.Request.Url!.AbsolutePath, context.Request.Headers["Content-Encoding"], context.Request.Headers["Authorization"]);
        Answer(context, status);

        Assert.Equal(expected, await sending);
        Assert.Equal(("/push/abc", "aes128gcm"), (path, encoding));
        Assert.StartsWith("vapid t=", authorization, StringComparison.Ordinal);
        Assert.Contains($"k={PublicKey(vapidKey.Q)}", authorization, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("logging", null, "LoggingPushSender", "LoggingPushSender")]
    [InlineData("webhook", "https://relay.example/push", "WebhookPushSender", "WebhookPushSender")]
    [InlineData("WebPush", null, "WebPushSender", "LoggingPushSender")]
    [InlineData("webpush", "https://relay.example/push", "WebPushSender", "WebhookPushSender")]
    public void Router_PushSender_RoutesWebPushTokensAndTheOthers(string sender, string? webhookUrl, string webPushTokens, string otherTokens)
    {
        using var services = PushServices(new()
        {
            ["Push:Sender"] = sender,
            ["Push:Webhook:Url"] = webhookUrl,
            ["Push:Webhook:Secret"] = Secret,
            ["Push:WebPush:PublicKey"] = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
            ["Push:WebPush:PrivateKey"] = "tBHItJI5svbpez7KI4CCXgtBHItJI5svbpez7KI4CCX",
            ["Push:WebPush:Subject"] = "mailto:ops@example.com",
        });
        var router = services.GetRequiredService<IPushRouter>();

        Assert.Equal(
            (webPushTokens, otherTokens, otherTokens),
            (router.For(PushProvider.Webpush).GetType().Name, router.For(PushProvider.Apns).GetType().Name, router.For(PushProvider.Fcm).GetType().Name));
    }

    [Theory]
    [InlineData("Push:Sender", "apns")]
    [InlineData("Push:Sender", "webhook")] // without a URL
    [InlineData("Push:Sender", "webpush")] // without VAPID keys
    [InlineData("Push:Webhook:Url", "ftp://relay.example")]
    [InlineData("Push:RetryDelays:0", "-00:00:01")]
    public void Options_Invalid_FailValidation(string key, string value)
    {
        using var services = PushServices(new() { [key] = value, ["Push:Webhook:Secret"] = Secret });

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PushOptions>>().Value);
    }

    private static ServiceProvider PushServices(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddSingleton<IGrainFactory>(_ => throw new InvalidOperationException("No grains here."))
            .AddSingleton(TimeProvider.System)
            .AddChatPush(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();

    private WebhookPushSender Webhook(TimeSpan? timeout = null) =>
        new(_services.GetRequiredService<IHttpClientFactory>(), Options.Create(new PushOptions
        {
            Sender = PushSenders.Webhook,
            Webhook = new PushWebhookOptions { Url = _url + "hook", Secret = Secret, Timeout = timeout ?? TimeSpan.FromSeconds(10) },
        }));

    private static PushNotification Push(PushProvider provider, string token) =>
        new("user-1", "session-1", provider, token, null, "org:a:b", "org", "m-7", 7, "a", "Alice", "Alice", "hello", 3,
            new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    private static void Answer(HttpListenerContext context, int status, string body = "")
    {
        context.Response.StatusCode = status;
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes);
        context.Response.Close();
    }

    private static string PublicKey(ECPoint q) => Base64Url([0x04, .. q.X!, .. q.Y!]);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
