namespace Orleans.Chat.Grains.Push;

/// <summary>
/// Push notifications (section <c>Push</c>). <see cref="Sender"/> routes tokens: <c>logging</c> (the default) logs every
/// push; <c>webhook</c> POSTs every push to <see cref="PushWebhookOptions.Url"/>; <c>webpush</c> sends <c>webpush</c>
/// tokens by Web Push and the others to the webhook when a URL is set, else to the log.
/// </summary>
public sealed class PushOptions
{
    public const string SectionName = "Push";

    /// <summary><c>logging</c>, <c>webhook</c> or <c>webpush</c>.</summary>
    public string Sender { get; set; } = "logging";

    /// <summary>The waits between tries of one push: as many retries as delays. Empty means <see cref="DefaultRetryDelays"/>.</summary>
    public IList<TimeSpan> RetryDelays { get; set; } = [];

    /// <summary>Pushes waiting to be sent, per silo; past it, new pushes are dropped (and logged).</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Pushes in flight at once, per silo, retries waiting included.</summary>
    public int MaxConcurrentSends { get; set; } = 64;

    public PushWebhookOptions Webhook { get; set; } = new();

    public PushWebPushOptions WebPush { get; set; } = new();

    /// <summary>1 s, 5 s, 30 s: three retries over about half a minute.</summary>
    public static IReadOnlyList<TimeSpan> DefaultRetryDelays { get; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];

    /// <summary>The delays in effect.</summary>
    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0 ? [.. RetryDelays] : DefaultRetryDelays;
}

/// <summary>The webhook sender: an operator's relay gets each push as JSON, signed.</summary>
public sealed class PushWebhookOptions
{
    /// <summary>Where pushes are POSTed (http or https).</summary>
    public string? Url { get; set; }

    /// <summary>The HMAC-SHA256 key of the <c>X-Chat-Signature</c> header.</summary>
    public string? Secret { get; set; }

    /// <summary>How long one POST may take before it counts as a retry.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>The Web Push sender's VAPID identity (RFC 8292): keys in base64url, as web-push tools generate them.</summary>
public sealed class PushWebPushOptions
{
    /// <summary>The P-256 public key (65 bytes), also the browser's <c>applicationServerKey</c>.</summary>
    public string? PublicKey { get; set; }

    public string? PrivateKey { get; set; }

    /// <summary>A <c>mailto:</c> or https URL the push services may contact.</summary>
    public string? Subject { get; set; }

    /// <summary>How long a push service keeps a push for an offline browser.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one request may take before it counts as a retry.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
