namespace Orleans.Chat.Grains.Users;

/// <summary>Persisted state of a lookup index entry.</summary>
public sealed class UserLookupState
{
    public string? UserId { get; set; }
}
