namespace Orleans.Chat.Grains.Users;

/// <summary>Persisted state of a lookup index entry.</summary>
[GenerateSerializer, Alias("chat.UserLookupState")]
public sealed class UserLookupState
{
    [Id(0)]
    public string? UserId { get; set; }

    /// <summary>When <see cref="UserId"/> claimed the entry; a claim whose user was never created expires after a while.</summary>
    [Id(1)]
    public DateTimeOffset ClaimedAt { get; set; }
}
