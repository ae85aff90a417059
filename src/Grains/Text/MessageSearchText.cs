using System.Text;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Text;

/// <summary>
/// Message text as the search index holds it and as queries ask for it: folded (<see cref="SearchText.Fold"/>: ASCII,
/// lower case, so accents and case never matter in any store) and cut into words of letters and digits. A query is
/// words only, each matching as the start of a word, all of them required: there is no query syntax, so no input can
/// be a syntax error in a store.
/// </summary>
internal static class MessageSearchText
{
    /// <summary>At most this many words of a query count; more would only narrow it.</summary>
    public const int MaxTerms = 10;

    /// <summary>The text to index for a body: its folded words, split by single spaces; empty when it has none.</summary>
    public static string Document(string body) => string.Join(' ', Words(body));

    /// <summary>The distinct words of a query (at most <see cref="MaxTerms"/>); <c>invalid-argument</c> when it has none.</summary>
    public static IReadOnlyList<string> Terms(string text)
    {
        var terms = Words(text).Distinct(StringComparer.Ordinal).Take(MaxTerms).ToList();
        return terms.Count > 0 ? terms : throw new InvalidArgumentException("'q' holds no word to search for (letters or digits).", "q");
    }

    /// <summary>Whether every term starts a word of <paramref name="body"/>, as it reads now (the index may lag behind an edit).</summary>
    public static bool Matches(string body, IReadOnlyList<string> terms)
    {
        var words = Words(body).ToList();
        return terms.All(term => words.Exists(word => word.StartsWith(term, StringComparison.Ordinal)));
    }

    /// <summary>
    /// The runs of letters and digits of <paramref name="body"/> (positions in the body as given) with a folded word that
    /// starts with a term.
    /// </summary>
    public static IReadOnlyList<TextRange> Highlight(string body, IReadOnlyList<string> terms)
    {
        var ranges = new List<TextRange>();
        var start = -1;
        for (var i = 0; i <= body.Length; i++)
        {
            var inWord = i < body.Length && (char.IsLetterOrDigit(body, i) || char.IsSurrogate(body[i]) || char.GetUnicodeCategory(body[i]) is System.Globalization.UnicodeCategory.NonSpacingMark);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                if (Words(body[start..i]).Any(word => terms.Any(term => word.StartsWith(term, StringComparison.Ordinal))))
                {
                    ranges.Add(new TextRange(start, i - start));
                }

                start = -1;
            }
        }

        return ranges;
    }

    private static IEnumerable<string> Words(string text)
    {
        var folded = SearchText.Fold(text);
        var word = new StringBuilder();
        foreach (var c in folded)
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                word.Append(c);
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }
}
