using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Runtime;

namespace Orleans.Chat.Grains.Users;

/// <inheritdoc cref="IUserLookupGrain"/>
public sealed class UserLookupGrain(
    [PersistentState("userLookup")] IPersistentState<UserLookupState> state) : Grain, IUserLookupGrain
{
    public async ValueTask ClaimAsync(string userId)
    {
        Validate.Id(userId, "userId");
        var owner = state.State.UserId;
        if (string.Equals(owner, userId, StringComparison.Ordinal))
        {
            return;
        }

        if (owner is not null)
        {
            var key = UserLookupKey.Parse(GetPrimaryKeyString());
            throw new ConflictException(key.Kind == UserLookupKind.Email
                ? "Another user already has this email address."
                : "Another user already has this phone number.");
        }

        state.State.UserId = userId;
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
}
