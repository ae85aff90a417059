using System.Text.RegularExpressions;

namespace Orleans.Chat.Persistence.Blobs;

/// <summary>
/// The names <see cref="IBlobStore"/> accepts: safe as a file name, a row key and a blob path alike, and never ending in
/// the suffix of the file store's temporary files (they hold no '.').
/// </summary>
internal static partial class BlobName
{
    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static string Validate(string name, string parameterName = "name") =>
        name is not null && Pattern().IsMatch(name)
            ? name
            : throw new ArgumentException("A blob name is 1 to 128 characters of A-Z, a-z, 0-9, '_' or '-'.", parameterName);
}
