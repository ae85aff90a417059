namespace Orleans.Chat.Grains.Users;

/// <summary>Persisted state of a lookup index entry.</summary>
public sealed class UserLookupState
{
    public string? UserId { get; set; }

    /// <summary>When <see cref="UserId"/> claimed the entry; a claim whose user was never created expires after a while.</summary>
    public DateTimeOffset ClaimedAt { get; set; }
}
