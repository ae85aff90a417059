using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Push;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Silo.Push;

/// <summary>
/// The <c>Push:Sender</c> routing: <c>logging</c>, every token to the log; <c>webhook</c>, every token to the webhook;
/// <c>webpush</c>, <c>webpush</c> tokens by Web Push and the others to the webhook if <c>Push:Webhook:Url</c> is set,
/// else to the log.
/// </summary>
public sealed class PushRouter : IPushRouter
{
    private readonly IPushSender _webPush;
    private readonly IPushSender _others;

    public PushRouter(IOptions<PushOptions> options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        var push = options.Value;
        IPushSender logging = services.GetRequiredService<LoggingPushSender>();
        IPushSender? webhook = string.IsNullOrWhiteSpace(push.Webhook.Url) ? null : services.GetRequiredService<WebhookPushSender>();
        (_webPush, _others) = push.Sender.ToLowerInvariant() switch
        {
            PushSenders.Webhook => (webhook!, webhook!),
            PushSenders.WebPush => (services.GetRequiredService<WebPushSender>(), webhook ?? logging),
            _ => (logging, logging),
        };
    }

    public IPushSender For(PushProvider provider) => provider == PushProvider.Webpush ? _webPush : _others;
}

/// <summary>The values of <c>Push:Sender</c>.</summary>
public static class PushSenders
{
    public const string Logging = "logging";
    public const string Webhook = "webhook";
    public const string WebPush = "webpush";
}
