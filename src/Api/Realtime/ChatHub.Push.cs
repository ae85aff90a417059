using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>The hub's side of push tokens (see <c>PushApi</c> for the REST routes and the rules).</summary>
public sealed partial class ChatHub
{
    /// <summary>Registers this device's push token, replacing its earlier one; returns it as listed.</summary>
    public async Task<PushTokenInfo> RegisterPushToken(PushTokenRegistration registration) =>
        await grains.GetGrain<IUserGrain>(CallerId).RegisterPushTokenAsync(Context.User!.GetSessionId(), registration ?? new PushTokenRegistration(null));

    /// <summary>Removes this device's push token; false if it had none.</summary>
    public async Task<bool> UnregisterPushToken() =>
        await grains.GetGrain<IUserGrain>(CallerId).UnregisterPushTokenAsync(Context.User!.GetSessionId());
}
