using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Chat.Grains;
using Orleans.Chat.Grains.Push;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Silo.Push;

/// <summary>
/// POSTs each push as JSON (<see cref="PushNotification"/>, camelCase) to <c>Push:Webhook:Url</c>, an operator's relay to
/// APNs, FCM or anything else, with header <c>X-Chat-Signature: sha256=&lt;hex HMAC-SHA256 of the body with
/// Push:Webhook:Secret&gt;</c>. The answer: 2xx sent; 410, or a 4xx whose body says <c>Unregistered</c> (APNs, FCM) or
/// <c>BadDeviceToken</c> (APNs), a dead token; 408, 429, 5xx or no answer in <c>Push:Webhook:Timeout</c>, try again;
/// any other, given up.
/// </summary>
public sealed class WebhookPushSender(IHttpClientFactory httpClients, IOptions<PushOptions> options) : IPushSender
{
    public const string SignatureHeader = "X-Chat-Signature";

    /// <summary>The relay's body is read this far for a dead-token reason.</summary>
    private const int MaxReasonLength = 4_096;

    public async ValueTask<PushOutcome> SendAsync(PushNotification push, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(push);
        var webhook = options.Value.Webhook;
        var body = JsonSerializer.SerializeToUtf8Bytes(push, ChatJsonContext.Default.PushNotification);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, Sign(body, webhook.Secret ?? ""));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(webhook.Timeout);
        try
        {
            using var response = await httpClients.CreateClient(nameof(WebhookPushSender)).SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return PushOutcome.Sent;
            }

            if (response.StatusCode == HttpStatusCode.Gone)
            {
                return PushOutcome.DeadToken;
            }

            if (status is 408 or 429 || status >= 500)
            {
                return PushOutcome.Retry;
            }

            var reason = await response.Content.ReadAsStringAsync(timeout.Token);
            reason = reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason;
            return reason.Contains("unregistered", StringComparison.OrdinalIgnoreCase) || reason.Contains("BadDeviceToken", StringComparison.OrdinalIgnoreCase)
                ? PushOutcome.DeadToken
                : PushOutcome.Failed;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return PushOutcome.Retry; // the timeout
        }
        catch (HttpRequestException)
        {
            return PushOutcome.Retry; // refused, reset, DNS: the relay may be back soon
        }
    }

    /// <summary>The header's value: <c>sha256=</c> and the lower-case hex HMAC-SHA256 of the body.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
