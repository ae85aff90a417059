using System.ComponentModel.DataAnnotations;

namespace Orleans.Chat.Api;

/// <summary>Request rate limits (configuration section <c>RateLimits</c>); over the limit answers 429 <c>rate-limited</c>.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Sign-in attempts per client address per minute.</summary>
    [Range(1, 1_000_000)]
    public int SignInPerMinute { get; set; } = 30;
}
