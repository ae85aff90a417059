using System.ComponentModel.DataAnnotations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>Realtime settings (configuration section <c>Realtime</c>).</summary>
public sealed class RealtimeOptions : IValidatableObject
{
    public const string SectionName = "Realtime";

    /// <summary>How often each user's observer subscription is renewed; must stay well inside the grain's expiration.</summary>
    public TimeSpan SubscriptionRenewalPeriod { get; set; } = UserObserverSubscription.RenewalPeriod;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SubscriptionRenewalPeriod <= TimeSpan.Zero || SubscriptionRenewalPeriod >= UserObserverSubscription.Expiration / 2)
        {
            yield return new ValidationResult(
                $"Realtime:SubscriptionRenewalPeriod must be positive and under half of {UserObserverSubscription.Expiration}.",
                [nameof(SubscriptionRenewalPeriod)]);
        }
    }
}
