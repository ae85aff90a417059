using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Chat.Grains.Push;

namespace Orleans.Chat.Silo.Push;

public static class PushServiceCollectionExtensions
{
    /// <summary>
    /// The silo's push dispatcher (a hosted service) and senders, with <see cref="PushOptions"/> from <c>Push</c>,
    /// checked at start: a known <c>Push:Sender</c>, and what it needs (<c>webhook</c>: an http(s) URL and a secret;
    /// <c>webpush</c>: the VAPID keys and subject).
    /// </summary>
    public static IServiceCollection AddChatPush(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PushOptions>().Bind(configuration.GetSection(PushOptions.SectionName))
            .Validate(o => o.Sender.ToLowerInvariant() is PushSenders.Logging or PushSenders.Webhook or PushSenders.WebPush,
                "Push:Sender must be logging, webhook or webpush.")
            .Validate(o => o.QueueCapacity > 0 && o.MaxConcurrentSends > 0 && o.RetryDelays.All(d => d >= TimeSpan.Zero),
                "Push:QueueCapacity and Push:MaxConcurrentSends must be positive, Push:RetryDelays not negative.")
            .Validate(o => !string.Equals(o.Sender, PushSenders.Webhook, StringComparison.OrdinalIgnoreCase) || !string.IsNullOrWhiteSpace(o.Webhook.Url),
                "Push:Sender webhook needs Push:Webhook:Url.")
            .Validate(o => string.IsNullOrWhiteSpace(o.Webhook.Url)
                    || (Uri.TryCreate(o.Webhook.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && !string.IsNullOrEmpty(o.Webhook.Secret) && o.Webhook.Timeout > TimeSpan.Zero),
                "Push:Webhook:Url must be an absolute http(s) URL, with Push:Webhook:Secret and a positive Push:Webhook:Timeout.")
            .Validate(o => !string.Equals(o.Sender, PushSenders.WebPush, StringComparison.OrdinalIgnoreCase)
                    || (!string.IsNullOrWhiteSpace(o.WebPush.PublicKey) && !string.IsNullOrWhiteSpace(o.WebPush.PrivateKey) && !string.IsNullOrWhiteSpace(o.WebPush.Subject)),
                "Push:Sender webpush needs Push:WebPush:PublicKey, PrivateKey and Subject.")
            .ValidateOnStart();
        services.AddHttpClient();
        services.TryAddSingleton<LoggingPushSender>();
        services.TryAddSingleton<WebhookPushSender>();
        services.TryAddSingleton<WebPushSender>();
        services.TryAddSingleton<IPushRouter, PushRouter>();
        services.TryAddSingleton<PushDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<PushDispatcher>());
        return services;
    }
}
