using Orleans.Chat.Grains.Errors;
using Orleans.Runtime;

namespace Orleans.Chat.Grains.Users;

/// <inheritdoc cref="IUserLookupGrain"/>
[GrainType("UserLookup")]
public sealed class UserLookupGrain(
    [PersistentState("userLookup")] IPersistentState<UserLookupState> state,
    TimeProvider timeProvider) : Grain, IUserLookupGrain
{
    /// <summary>
    /// A claim older than this whose user does not exist was left by a creation that crashed between claiming and
    /// storing the user; it can be taken over. Far longer than any call may take, so no creation in progress is robbed.
    /// </summary>
    internal static readonly TimeSpan AbandonedClaimAge = TimeSpan.FromMinutes(5);

    public async ValueTask ClaimAsync(string userId)
    {
        Validate.Id(userId, "userId");
        var owner = state.State.UserId;
        if (string.Equals(owner, userId, StringComparison.Ordinal))
        {
            return;
        }

        if (owner is not null && !await IsAbandonedAsync(owner))
        {
            var key = UserLookupKey.Parse(this.GetPrimaryKeyString());
            throw new ConflictException(key.Kind == UserLookupKind.Email
                ? "Another user already has this email address."
                : "Another user already has this phone number.");
        }

        state.State.UserId = userId;
        state.State.ClaimedAt = timeProvider.GetUtcNow();
        await state.WriteStateAsync();
    }

    public async ValueTask ReleaseAsync(string userId)
    {
        if (string.Equals(state.State.UserId, userId, StringComparison.Ordinal))
        {
            await state.ClearStateAsync();
            state.State = new UserLookupState();
        }
    }

    public ValueTask<string?> GetUserIdAsync() => ValueTask.FromResult(state.State.UserId);

    private async ValueTask<bool> IsAbandonedAsync(string owner) =>
        timeProvider.GetUtcNow() - state.State.ClaimedAt > AbandonedClaimAge
        && !await GrainFactory.GetGrain<IUserGrain>(owner).ExistsAsync();
}
