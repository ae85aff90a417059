using System.ComponentModel.DataAnnotations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>Realtime settings (configuration section <c>Realtime</c>).</summary>
public sealed class RealtimeOptions : IValidatableObject
{
    public const string SectionName = "Realtime";

    /// <summary>How often each user's observer subscription is renewed; must stay well inside the grain's expiration.</summary>
    public TimeSpan SubscriptionRenewalPeriod { get; set; } = UserObserverSubscription.RenewalPeriod;

    /// <summary>How long the delivered receipts of what this process pushed are gathered before they are reported (see <see cref="DeliveredReports"/>).</summary>
    public TimeSpan DeliveredReportDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A conversation's delivered receipts are reported at most this often (see <see cref="DeliveredReports"/>).</summary>
    public TimeSpan DeliveredReportInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long before a connection's access token expires it gets <c>token:aboutToExpire</c> (see <see cref="ConnectionExpiry"/>).</summary>
    public TimeSpan TokenExpiryWarning { get; set; } = TimeSpan.FromSeconds(60);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TokenExpiryWarning < TimeSpan.Zero)
        {
            yield return new ValidationResult("Realtime:TokenExpiryWarning must not be negative.", [nameof(TokenExpiryWarning)]);
        }

        if (DeliveredReportDelay <= TimeSpan.Zero || DeliveredReportInterval < TimeSpan.Zero)
        {
            yield return new ValidationResult(
                "Realtime:DeliveredReportDelay must be positive and Realtime:DeliveredReportInterval not negative.",
                [nameof(DeliveredReportDelay), nameof(DeliveredReportInterval)]);
        }

        if (SubscriptionRenewalPeriod <= TimeSpan.Zero || SubscriptionRenewalPeriod >= UserObserverSubscription.Expiration / 2)
        {
            yield return new ValidationResult(
                $"Realtime:SubscriptionRenewalPeriod must be positive and under half of {UserObserverSubscription.Expiration}.",
                [nameof(SubscriptionRenewalPeriod)]);
        }
    }
}
