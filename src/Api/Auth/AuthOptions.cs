using System.ComponentModel.DataAnnotations;

namespace Orleans.Chat.Api.Auth;

/// <summary>Token lifetimes (configuration section <c>Auth</c>, e.g. <c>Auth:AccessTokenLifetime=01:00:00</c>).</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    /// <summary>How long an access token works; clients trade their refresh token for a new one before then.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a refresh token works; each refresh gives a new one with a new lifetime.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AccessTokenLifetime <= TimeSpan.Zero || RefreshTokenLifetime <= TimeSpan.Zero)
        {
            yield return new ValidationResult(
                "Auth:AccessTokenLifetime and Auth:RefreshTokenLifetime must be positive.",
                [nameof(AccessTokenLifetime), nameof(RefreshTokenLifetime)]);
        }
    }
}
