namespace Orleans.Chat.Grains.Groups;

/// <summary>Persisted state of a forum directory: every forum's listing by group id.</summary>
[GenerateSerializer, Alias("chat.ForumDirectoryState")]
public sealed class ForumDirectoryState
{
    [Id(0)]
    public Dictionary<string, ForumListing> Forums { get; set; } = new(StringComparer.Ordinal);
}
