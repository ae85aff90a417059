namespace Orleans.Chat.Grains.Users;

/// <summary>Persisted state of a user directory: every member's listing by user id.</summary>
[GenerateSerializer, Alias("chat.UserDirectoryState")]
public sealed class UserDirectoryState
{
    [Id(0)]
    public Dictionary<string, UserListing> Users { get; set; } = new(StringComparer.Ordinal);
}
