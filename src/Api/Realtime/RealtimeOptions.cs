using System.ComponentModel.DataAnnotations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>Realtime settings (configuration section <c>Realtime</c>).</summary>
public sealed class RealtimeOptions : IValidatableObject
{
    public const string SectionName = "Realtime";

    /// <summary>How often each user's observer subscription is renewed; must stay well inside the grain's expiration.</summary>
    public TimeSpan SubscriptionRenewalPeriod { get; set; } = UserObserverSubscription.RenewalPeriod;

    /// <summary>How often the delivered receipts of what this process pushed are reported (see <see cref="DeliveredReports"/>).</summary>
    public TimeSpan DeliveredReportPeriod { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DeliveredReportPeriod <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Realtime:DeliveredReportPeriod must be positive.", [nameof(DeliveredReportPeriod)]);
        }

        if (SubscriptionRenewalPeriod <= TimeSpan.Zero || SubscriptionRenewalPeriod >= UserObserverSubscription.Expiration / 2)
        {
            yield return new ValidationResult(
                $"Realtime:SubscriptionRenewalPeriod must be positive and under half of {UserObserverSubscription.Expiration}.",
                [nameof(SubscriptionRenewalPeriod)]);
        }
    }
}
