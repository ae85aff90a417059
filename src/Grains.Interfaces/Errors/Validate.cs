using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Errors;

/// <summary>Input rules shared by grains (the domain boundary) and the API (which checks first for better errors).</summary>
public static partial class Validate
{
    public const int MaxIdLength = 64;
    public const string IdPattern = "^[A-Za-z0-9_.@-]{1,64}$";
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2_000;
    public const int MaxUrlLength = 2_048;
    public const int MaxEmailLength = 254;
    public const int MaxPhoneLength = 32;
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 256;
    public const int MaxUdidLength = 128;
    public const int MaxBodyBytes = 64 * 1024;
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    [GeneratedRegex(IdPattern, RegexOptions.CultureInvariant)]
    private static partial Regex IdRegex();

    public static bool IsId([NotNullWhen(true)] string? value) => value is not null && IdRegex().IsMatch(value);

    /// <summary>Throws <see cref="InvalidArgumentException"/> unless <paramref name="value"/> matches <see cref="IdPattern"/>.</summary>
    public static string Id([NotNull] string? value, string parameterName)
    {
        if (!IsId(value))
        {
            throw new InvalidArgumentException($"'{parameterName}' must be 1 to {MaxIdLength} characters of A-Z, a-z, 0-9, '_', '.', '@' or '-'.", parameterName);
        }

        return value;
    }

    /// <summary>A required, trimmed text of at most <paramref name="maxLength"/> characters.</summary>
    public static string Text(string? value, string parameterName, int maxLength = MaxNameLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > maxLength)
        {
            throw new InvalidArgumentException($"'{parameterName}' must be 1 to {maxLength} characters.", parameterName);
        }

        return trimmed;
    }

    /// <summary>Entries of custom metadata (a profile's public or private data, for example): keys are ids, values short texts.</summary>
    public const int MaxMetadataEntries = 32;

    public const int MaxMetadataValueLength = 2_000;

    /// <summary>A user's metadata in one organization: at most this many keys.</summary>
    public const int MaxUserMetadataEntries = 8;

    /// <summary>A group's metadata: at most as many keys as a user's in an organization.</summary>
    public const int MaxGroupMetadataEntries = MaxUserMetadataEntries;

    /// <summary>How many users, or groups, one batch lookup names.</summary>
    public const int MaxLookupsPerCall = 50;

    /// <summary>
    /// Custom metadata: at most <paramref name="maxEntries"/> entries, each key an id (<see cref="IdPattern"/>) and
    /// each value at most <see cref="MaxMetadataValueLength"/> characters. Null stays null.
    /// </summary>
    public static Dictionary<string, string>? Metadata(IReadOnlyDictionary<string, string>? value, string parameterName, int maxEntries = MaxMetadataEntries)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Count > maxEntries)
        {
            throw new InvalidArgumentException($"'{parameterName}' has at most {maxEntries} entries.", parameterName);
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, entry) in value)
        {
            if (!IsId(key) || entry is null || entry.Length > MaxMetadataValueLength)
            {
                throw new InvalidArgumentException(
                    $"Each key of '{parameterName}' must be 1 to {MaxIdLength} characters of A-Z, a-z, 0-9, '_', '.', '@' or '-', and each value a text of at most {MaxMetadataValueLength} characters.",
                    parameterName);
            }

            metadata[key] = entry;
        }

        return metadata;
    }

    /// <summary>
    /// Metadata after a change, checked as <see cref="Metadata"/> checks it: <paramref name="replace"/> takes
    /// <paramref name="changes"/> whole; otherwise each key of <paramref name="changes"/> is set in a copy of
    /// <paramref name="current"/>, or removed when its value is null.
    /// </summary>
    public static Dictionary<string, string> MetadataChanges(
        IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string?> changes, bool replace, string parameterName, int maxEntries)
    {
        var metadata = replace ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(current, StringComparer.Ordinal);
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                metadata.Remove(key);
            }
            else
            {
                metadata[key] = value;
            }
        }

        return Metadata(metadata, parameterName, maxEntries)!;
    }

    /// <summary>An optional absolute http or https URL: null or blank becomes null.</summary>
    public static string? OptionalUrl(string? value, string parameterName)
    {
        var trimmed = OptionalText(value, parameterName, MaxUrlLength);
        if (trimmed is not null && !(Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            throw new InvalidArgumentException($"'{parameterName}' must be an absolute http or https URL.", parameterName);
        }

        return trimmed;
    }

    /// <summary>An optional trimmed text: null or blank becomes null.</summary>
    public static string? OptionalText(string? value, string parameterName, int maxLength = MaxNameLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (trimmed.Length > maxLength)
        {
            throw new InvalidArgumentException($"'{parameterName}' must be at most {maxLength} characters.", parameterName);
        }

        return trimmed;
    }

    /// <summary>A message body: not blank, at most 64 KiB as UTF-8.</summary>
    public static string Body([NotNull] string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidArgumentException("'body' must not be empty.", "body");
        }

        if (value.Length > MaxBodyBytes || Encoding.UTF8.GetByteCount(value) > MaxBodyBytes)
        {
            throw new InvalidArgumentException($"'body' must be at most {MaxBodyBytes} bytes as UTF-8.", "body");
        }

        return value;
    }

    public const int MaxMessageMetadataEntries = 10;
    public const int MaxMessageMetadataBytes = 16 * 1024;
    public const int MaxMimeTypeLength = 127;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex MimeTypeRegex();

    /// <summary>
    /// A message's metadata: at most <see cref="MaxMessageMetadataEntries"/> entries, each namespace an id and used
    /// once, each MIME type <c>type/subtype</c>, and every payload together at most <see cref="MaxMessageMetadataBytes"/>
    /// bytes as UTF-8. Null or empty becomes null.
    /// </summary>
    public static IReadOnlyList<MessageMetadata>? MessageMetadata(IReadOnlyList<MessageMetadata>? value)
    {
        if (value is null || value.Count == 0)
        {
            return null;
        }

        if (value.Count > MaxMessageMetadataEntries)
        {
            throw new InvalidArgumentException($"'metadata' has at most {MaxMessageMetadataEntries} entries.", "metadata");
        }

        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        var bytes = 0;
        foreach (var entry in value)
        {
            if (entry is null || !IsId(entry.Namespace) || !namespaces.Add(entry.Namespace))
            {
                throw new InvalidArgumentException("Each 'metadata' entry needs a 'namespace' of 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '@' or '-', used once per message.", "metadata");
            }

            if (entry.MimeType is null || entry.MimeType.Length > MaxMimeTypeLength || !MimeTypeRegex().IsMatch(entry.MimeType))
            {
                throw new InvalidArgumentException("Each 'metadata' entry needs a 'mimeType' such as 'application/json'.", "metadata");
            }

            bytes += Encoding.UTF8.GetByteCount(entry.Payload ?? throw new InvalidArgumentException("Each 'metadata' entry needs a 'payload'.", "metadata"));
            if (bytes > MaxMessageMetadataBytes)
            {
                throw new InvalidArgumentException($"The payloads of 'metadata' are at most {MaxMessageMetadataBytes} bytes as UTF-8 together.", "metadata");
            }
        }

        return [.. value];
    }

    /// <summary>The longest time to live a message may have: a year.</summary>
    public const int MaxTtlMinutes = 525_600;

    /// <summary>A time to live in minutes: null (none) or 1..<see cref="MaxTtlMinutes"/>.</summary>
    public static int? TtlMinutes(int? value, string parameterName) =>
        value is null or (>= 1 and <= MaxTtlMinutes)
            ? value
            : throw new InvalidArgumentException($"'{parameterName}' must be between 1 and {MaxTtlMinutes} minutes.", parameterName);

    /// <summary>The longest a conversation stays muted: a year.</summary>
    public const int MaxMuteMinutes = 525_600;

    /// <summary>A mute's length in minutes: 1..<see cref="MaxMuteMinutes"/>.</summary>
    public static int MuteMinutes(int value) =>
        value is >= 1 and <= MaxMuteMinutes
            ? value
            : throw new InvalidArgumentException($"'minutes' must be between 1 and {MaxMuteMinutes}.", "minutes");

    /// <summary>A defined <see cref="NotificationLevel"/>.</summary>
    public static NotificationLevel Level(NotificationLevel value) =>
        Enum.IsDefined(value) ? value : throw new InvalidArgumentException("'level' must be 'all', 'mentions' or 'none'.", "level");

    /// <summary>A place on Earth: latitude -90..90 and longitude -180..180 degrees.</summary>
    public static MessageLocation Location(MessageLocation value) =>
        value.Latitude is >= -90 and <= 90 && value.Longitude is >= -180 and <= 180
            ? value
            : throw new InvalidArgumentException("'location' needs a latitude from -90 to 90 and a longitude from -180 to 180.", "location");

    /// <summary>Attachments one message may carry.</summary>
    public const int MaxAttachmentsPerMessage = 10;

    /// <summary>Members one message may mention.</summary>
    public const int MaxMentions = 50;

    public const int MaxEmojiLength = 32;

    /// <summary>
    /// A reaction: one emoji (or an app's short name such as <c>:thumbsup:</c>), up to <see cref="MaxEmojiLength"/>
    /// UTF-16 units, with no white space or control characters. Which emoji are allowed is the app's business.
    /// </summary>
    public static string Emoji([NotNull] string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxEmojiLength || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new InvalidArgumentException($"'emoji' must be 1 to {MaxEmojiLength} characters without spaces.", "emoji");
        }

        return value;
    }

    /// <summary>A defined priority: JSON may carry any number where the enum's names are expected.</summary>
    public static MessagePriority Priority(MessagePriority value) =>
        Enum.IsDefined(value) ? value : throw new InvalidArgumentException("'priority' must be 'low', 'normal' or 'high'.", "priority");

    public static string Password([NotNull] string? value)
    {
        if (value is null || value.Length < MinPasswordLength || value.Length > MaxPasswordLength)
        {
            throw new InvalidArgumentException($"'password' must be {MinPasswordLength} to {MaxPasswordLength} characters.", "password");
        }

        return value;
    }

    /// <summary>A page size: null means <see cref="DefaultPageSize"/>; otherwise 1..<see cref="MaxPageSize"/>.</summary>
    public static int Limit(int? value)
    {
        if (value is null)
        {
            return DefaultPageSize;
        }

        if (value < 1 || value > MaxPageSize)
        {
            throw new InvalidArgumentException($"'limit' must be between 1 and {MaxPageSize}.", "limit");
        }

        return value.Value;
    }

    public static long SortNumber(long value, string parameterName)
    {
        if (value < 0)
        {
            throw new InvalidArgumentException($"'{parameterName}' must not be negative.", parameterName);
        }

        return value;
    }
}
