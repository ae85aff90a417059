using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Orleans.Chat.Api;

/// <summary>
/// The typing calls' limit per user (<see cref="RateLimitOptions.TypingPerMinute"/>), one count for REST and the hub
/// together. The rate limiting middleware sees HTTP requests only, not hub invocations, so both ask this limiter (the
/// fixed window of System.Threading.RateLimiting that the middleware's policies use) themselves.
/// </summary>
public sealed class TypingRateLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    public const string Detail = "Too many typing calls; try again later.";

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(userId =>
        RateLimitPartition.GetFixedWindowLimiter(userId, _ => new FixedWindowRateLimiterOptions { PermitLimit = options.Value.TypingPerMinute, Window = Window }));

    /// <summary>Counts one typing call of the user; false (with when the window opens again) over the limit.</summary>
    public bool TryAcquire(string userId, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(userId);
        retryAfter = lease.IsAcquired ? TimeSpan.Zero : lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
