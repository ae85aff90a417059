using System.ComponentModel.DataAnnotations;

namespace Orleans.Chat.Api;

/// <summary>Request rate limits (configuration section <c>RateLimits</c>); over the limit answers 429 <c>rate-limited</c>.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Sign-in attempts per client address per minute.</summary>
    [Range(1, 1_000_000)]
    public int SignInPerMinute { get; set; } = 30;

    /// <summary>
    /// Typing calls (starts and stops, REST and hub together) per user per minute: a client renews a start every few
    /// seconds while its user types, in a conversation or two at once.
    /// </summary>
    [Range(1, 1_000_000)]
    public int TypingPerMinute { get; set; } = 120;
}
