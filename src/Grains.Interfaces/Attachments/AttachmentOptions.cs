using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Orleans.Chat.Grains.Attachments;

/// <summary>
/// The rules of attachments (configuration section <c>Attachments</c>): the API host enforces the upload limits, the
/// attachment grains the lifetime of uploads nothing holds.
/// </summary>
public sealed partial class AttachmentOptions : IValidatableObject
{
    public const string SectionName = "Attachments";

    /// <summary>What <see cref="AllowedContentTypes"/> allows while it is empty.</summary>
    public static IReadOnlyList<string> DefaultAllowedContentTypes { get; } =
        ["image/*", "video/*", "audio/*", "application/pdf", "text/plain", "application/zip", "application/octet-stream"];

    /// <summary>The largest file an upload may carry, in bytes (default 64 MiB).</summary>
    [Range(1L, 1L << 40)]
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The content types an upload may have: <c>type/subtype</c>, or <c>type/*</c> for every subtype. Empty (the default)
    /// means <see cref="DefaultAllowedContentTypes"/>; configuring any replaces them all. (Empty rather than the defaults
    /// themselves because configuration binding adds to a list; it never replaces one.)
    /// </summary>
    public IList<string> AllowedContentTypes { get; set; } = [];

    /// <summary>How long an upload may stay attached to no message before it is deleted (default 24 hours).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan UnattachedLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Whether an upload may have <paramref name="contentType"/> (a media type without parameters).</summary>
    public bool IsAllowed(string contentType)
    {
        IEnumerable<string> allowed = AllowedContentTypes.Count > 0 ? AllowedContentTypes : DefaultAllowedContentTypes;
        return allowed.Any(pattern => pattern.EndsWith("/*", StringComparison.Ordinal)
            ? contentType.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase)
            : contentType.Equals(pattern, StringComparison.OrdinalIgnoreCase));
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        AllowedContentTypes
            .Where(static pattern => pattern is null || !PatternRegex().IsMatch(pattern))
            .Select(static pattern => new ValidationResult($"'{pattern}' is neither a content type (type/subtype) nor a pattern (type/*).", [nameof(AllowedContentTypes)]));

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/(\*|[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex PatternRegex();
}
