using System.Net;
using System.Text.Json;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.Extensions.Options;
using Orleans.Chat.Grains;
using Orleans.Chat.Grains.Push;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Silo.Push;

/// <summary>
/// Sends <c>webpush</c> tokens by Web Push (Lib.Net.Http.WebPush): the payload, without token and keys, encrypted to the
/// subscription's keys, signed with the VAPID keys of <c>Push:WebPush</c>. The push service's answer: 2xx sent; 404 or
/// 410 (the subscription expired or was withdrawn) a dead token; 429, 5xx or no answer in time, try again; else given up.
/// </summary>
public sealed class WebPushSender : IPushSender, IDisposable
{
    private readonly IHttpClientFactory _httpClients;
    private readonly PushWebPushOptions _options;

    /// <summary>Kept: it caches the signed VAPID token per push service for its lifetime.</summary>
    private readonly VapidAuthentication _vapid;

    public WebPushSender(IHttpClientFactory httpClients, IOptions<PushOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _httpClients = httpClients;
        _options = options.Value.WebPush;
        _vapid = new VapidAuthentication(_options.PublicKey, _options.PrivateKey) { Subject = _options.Subject };
    }

    public async ValueTask<PushOutcome> SendAsync(PushNotification push, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(push);
        if (push.Provider != PushProvider.Webpush || push.Keys is not { P256dh: { } p256dh, Auth: { } auth })
        {
            return PushOutcome.Failed;
        }

        var subscription = new PushSubscription { Endpoint = push.Token };
        subscription.SetKey(PushEncryptionKeyName.P256DH, p256dh);
        subscription.SetKey(PushEncryptionKeyName.Auth, auth);
        var content = JsonSerializer.Serialize(push with { Token = "", Keys = null }, ChatJsonContext.Default.PushNotification);
        var message = new PushMessage(content) { Urgency = PushMessageUrgency.High };

        var client = new PushServiceClient(_httpClients.CreateClient(nameof(WebPushSender)))
        {
            DefaultAuthentication = _vapid,
            DefaultTimeToLive = (int)_options.TimeToLive.TotalSeconds,
            AutoRetryAfter = false, // the dispatcher retries
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await client.RequestPushMessageDeliveryAsync(subscription, message, timeout.Token);
            return PushOutcome.Sent;
        }
        catch (PushServiceClientException exception)
        {
            var status = (int)exception.StatusCode;
            return exception.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone ? PushOutcome.DeadToken
                : status is 408 or 429 || status >= 500 ? PushOutcome.Retry
                : PushOutcome.Failed;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return PushOutcome.Retry; // the timeout
        }
        catch (HttpRequestException)
        {
            return PushOutcome.Retry;
        }
    }

    public void Dispose() => _vapid.Dispose();
}
