using AnyAscii;

namespace Orleans.Chat.Grains.Text;

/// <summary>Text as searches compare it: transliterated to ASCII (AnyAscii: "Émigrés" → "Emigres") and lower case.</summary>
/// <remarks>
/// Not <c>string.Normalize</c>: the silo runs with invariant globalization, where normalization leaves non-ASCII text
/// as it is. Transliteration also gives names in other scripts a stable, typeable form.
/// </remarks>
internal static class SearchText
{
    public static string Fold(string text) => text.Transliterate().ToLowerInvariant();
}
