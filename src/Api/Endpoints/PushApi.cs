using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// Push tokens, one per device: the calling session's token is registered, replaced or removed; the owner lists them.
/// Pushes go while none of the user's devices is connected (see docs/architecture.md, "The path of a push").
/// </summary>
public static class PushApi
{
    public static IEndpointRouteBuilder MapPushApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/v1/me").WithTags("Push")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPut("/push-token", RegisterAsync)
            .WithName("RegisterPushToken")
            .WithSummary("Register this device's push token, replacing its earlier one: provider apns or fcm with token, or webpush with the browser's subscription (https endpoint, keys.p256dh, keys.auth)")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapDelete("/push-token", UnregisterAsync)
            .WithName("UnregisterPushToken")
            .WithSummary("Remove this device's push token (nothing to do if it has none)");
        api.MapGet("/push-tokens", ListAsync)
            .WithName("ListPushTokens")
            .WithSummary("My devices' push tokens (deviceId is the session id), oldest session first; current marks this device's");
        return routes;
    }

    private static async Task<Ok<PushTokenInfo>> RegisterAsync(PushTokenRegistration? registration, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Me(grains, user).RegisterPushTokenAsync(user.GetSessionId(), registration ?? new PushTokenRegistration(null)));

    private static async Task<NoContent> UnregisterAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        await Me(grains, user).UnregisterPushTokenAsync(user.GetSessionId());
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<PushTokenInfo>>> ListAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Me(grains, user).GetPushTokensAsync(user.GetSessionId()));

    private static IUserGrain Me(IGrainFactory grains, ClaimsPrincipal user) => grains.GetGrain<IUserGrain>(user.GetUserId());
}
