using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// An index entry from a normalized email or phone (<see cref="UserLookupKey.ToGrainKey"/>) to the user that owns
/// it: a lookup is one grain call, and a second owner gets <c>conflict</c>.
/// </summary>
[Alias("chat.IUserLookupGrain")]
public interface IUserLookupGrain : IGrainWithStringKey
{
    /// <summary>Makes <paramref name="userId"/> the owner; idempotent for the same user, <c>conflict</c> for another.</summary>
    ValueTask ClaimAsync(string userId);

    /// <summary>Releases the entry if <paramref name="userId"/> owns it.</summary>
    ValueTask ReleaseAsync(string userId);

    /// <summary>The owner, or null.</summary>
    [ReadOnly]
    ValueTask<string?> GetUserIdAsync();
}
