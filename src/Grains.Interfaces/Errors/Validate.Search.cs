namespace Orleans.Chat.Grains.Errors;

/// <summary>The rules of a message search's text and page size.</summary>
public static partial class Validate
{
    public const int MaxSearchTextLength = 200;
    public const int DefaultSearchPageSize = 20;
    public const int MaxSearchPageSize = 50;

    /// <summary>What to search for: 1 to 200 characters, not only spaces.</summary>
    public static string SearchText(string? value)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxSearchTextLength)
        {
            throw new InvalidArgumentException($"'q' must be 1 to {MaxSearchTextLength} characters.", "q");
        }

        return trimmed;
    }

    /// <summary>A search's page size: null means 20; otherwise 1..50.</summary>
    public static int SearchLimit(int? value) => value switch
    {
        null => DefaultSearchPageSize,
        < 1 or > MaxSearchPageSize => throw new InvalidArgumentException($"'limit' must be between 1 and {MaxSearchPageSize}.", "limit"),
        _ => value.Value,
    };
}
