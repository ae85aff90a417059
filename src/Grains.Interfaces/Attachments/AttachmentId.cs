using System.Diagnostics.CodeAnalysis;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Attachments;

/// <summary>
/// Attachment ids: a new Guid as 32 lower-case hex digits, which is also the name of the attachment's blob. A caller who
/// may not see an attachment gets <see cref="NotFound"/>, word for word what a caller gets for one that does not exist.
/// </summary>
public static class AttachmentId
{
    public static string New() => Guid.NewGuid().ToString("N");

    public static bool IsValid([NotNullWhen(true)] string? value) =>
        value is { Length: 32 } && value.All(static c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));

    public static NotFoundException NotFound(string attachmentId) => new($"Attachment '{attachmentId}' does not exist.");
}
