using System.Diagnostics.CodeAnalysis;

namespace Orleans.Chat.Grains.Errors;

/// <summary>The rules of an attachment's description: its file name, content type and pixel size.</summary>
public static partial class Validate
{
    public const int MaxFileNameLength = 255;
    public const int MaxPixels = 100_000;

    /// <summary>A file name without a directory: 1 to 255 characters, none of them a control character, '/' or '\'.</summary>
    public static string FileName(string? value)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxFileNameLength || trimmed.Any(static c => char.IsControl(c) || c is '/' or '\\'))
        {
            throw new InvalidArgumentException($"'fileName' must be 1 to {MaxFileNameLength} characters without a control character, '/' or '\\'.", "fileName");
        }

        return trimmed;
    }

    /// <summary>A media type without parameters, <c>type/subtype</c>, in lower case.</summary>
    public static string ContentType([NotNull] string? value)
    {
        if (value is null || value.Length > MaxMimeTypeLength || !MimeTypeRegex().IsMatch(value))
        {
            throw new InvalidArgumentException("'contentType' must be a media type such as 'image/png'.", "contentType");
        }

        return value.ToLowerInvariant();
    }

    /// <summary>An optional width or height in pixels: null, or 1 to <see cref="MaxPixels"/>.</summary>
    public static int? Pixels(int? value, string parameterName) =>
        value is null or (>= 1 and <= MaxPixels)
            ? value
            : throw new InvalidArgumentException($"'{parameterName}' must be 1 to {MaxPixels} pixels.", parameterName);
}
