using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>The file part of an upload, its body not read yet, and the fields that came before it.</summary>
internal sealed record AttachmentUpload(string FileName, string ContentType, Stream Content, int? Width, int? Height)
{
    /// <summary>The form field of the file.</summary>
    public const string FileField = "file";

    /// <summary>The most bytes a field before the file may have (width and height need a few).</summary>
    private const int MaxFieldBytes = 64;

    /// <summary>
    /// Reads a <c>multipart/form-data</c> body as it arrives, up to the start of the part named <c>file</c>: the fields
    /// <c>width</c> and <c>height</c> before it are kept, other parts skipped. The file's body is left to the caller to
    /// stream; whatever follows it is never read. <c>invalid-argument</c> when the body is not such a form, a field is
    /// malformed or there is no file.
    /// </summary>
    public static async Task<AttachmentUpload> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary) is not { Length: > 0 } boundary)
        {
            throw new InvalidArgumentException($"The request must be multipart/form-data with a '{FileField}' part.", FileField);
        }

        var reader = new MultipartReader(boundary.ToString(), request.Body);
        int? width = null, height = null;
        while (await NextSectionAsync(reader, cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            switch (HeaderUtilities.RemoveQuotes(disposition.Name).ToString())
            {
                case FileField:
                    return new AttachmentUpload(FileNameOf(disposition), ContentTypeOf(section), section.Body, width, height);
                case "width":
                    width = Validate.Pixels(await ReadPixelsAsync(section, "width", cancellationToken), "width");
                    break;
                case "height":
                    height = Validate.Pixels(await ReadPixelsAsync(section, "height", cancellationToken), "height");
                    break;
            }
        }

        throw new InvalidArgumentException($"The request has no '{FileField}' part.", FileField);
    }

    /// <summary>The next part; MultipartReader's InvalidDataException (its headers are malformed or too long) is the client's error.</summary>
    private static async Task<MultipartSection?> NextSectionAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            throw new InvalidArgumentException("The multipart/form-data body is malformed.", FileField);
        }
    }

    /// <summary>The file name without any directory a client may have put in it.</summary>
    private static string FileNameOf(ContentDispositionHeaderValue disposition)
    {
        var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).ToString();
        return Validate.FileName(name[(name.LastIndexOfAny(['/', '\\']) + 1)..]);
    }

    /// <summary>The part's media type without parameters; a file without one is <c>application/octet-stream</c>.</summary>
    private static string ContentTypeOf(MultipartSection section)
    {
        if (section.ContentType is null)
        {
            return "application/octet-stream";
        }

        return MediaTypeHeaderValue.TryParse(section.ContentType, out var mediaType)
            ? Validate.ContentType(mediaType.MediaType.ToString())
            : throw new InvalidArgumentException("'contentType' must be a media type such as 'image/png'.", "contentType");
    }

    private static async Task<int?> ReadPixelsAsync(MultipartSection section, string name, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var length = await section.Body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        var text = System.Text.Encoding.UTF8.GetString(buffer, 0, length).Trim();
        return text.Length == 0 ? null
            : length <= MaxFieldBytes && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pixels) ? pixels
            : throw new InvalidArgumentException($"'{name}' must be a whole number of pixels.", name);
    }
}
