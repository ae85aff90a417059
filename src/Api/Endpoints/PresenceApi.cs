using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// Presence and subscriptions. A user's presence is seen by those who share an organization with them (others get the
/// one not-found of lookups), as <c>UNKNOWN</c> by those they blocked; <c>presence:change</c> goes to subscribers only.
/// A device marks itself in the foreground or background over the hub (<c>SetActive</c>), as REST has no connection.
/// </summary>
public static class PresenceApi
{
    public static IEndpointRouteBuilder MapPresenceApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/v1").WithTags("Presence")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPut("/me/presence", SetStatusAsync)
            .WithName("SetPresence")
            .WithSummary("Choose my status: AVAILABLE (follow my devices), DND or UNAVAILABLE (appear away); my subscribers get presence:change");
        api.MapGet("/users/{userId}/presence", GetAsync)
            .WithName("GetPresence")
            .WithSummary("A user's presence (AVAILABLE, DND, UNAVAILABLE, or UNKNOWN if they blocked me) and last activity in seconds")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/users/presence", GetManyAsync)
            .WithName("GetPresences")
            .WithSummary("The presence of up to 50 users (userIds=a,b,c); users I cannot see are left out");
        api.MapGet("/me/subscriptions", ListSubscriptionsAsync)
            .WithName("ListSubscriptions")
            .WithSummary("The users I am subscribed to, with their presence");
        api.MapPost("/me/subscriptions", SubscribeAsync)
            .WithName("Subscribe")
            .WithSummary("Subscribe to the presence and profile changes of up to 50 users at once (1,000 in all); returns their presence. Both sides get user:subscribed")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapDelete("/me/subscriptions/{userId}", UnsubscribeAsync)
            .WithName("Unsubscribe")
            .WithSummary("End my subscription to a user; both sides get user:unsubscribed");
        api.MapDelete("/me/subscriptions", UnsubscribeAllAsync)
            .WithName("UnsubscribeAll")
            .WithSummary("End all my subscriptions");
        return routes;
    }

    private static async Task<Ok<UserPresence>> SetStatusAsync(SetPresenceRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.GetUserId()).SetPresenceStatusAsync(
            request?.Status ?? throw new InvalidArgumentException("'status' is missing.", "status")));

    private static async Task<Ok<UserPresence>> GetAsync(string userId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await GetVisiblePresenceAsync(grains, user.GetUserId(), Validate.Id(userId, "userId")) ?? throw UsersApi.UserNotFound());

    private static async Task<Ok<IReadOnlyList<UserPresence>>> GetManyAsync(string? userIds, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await GetPresencesAsync(grains, user.GetUserId(), UsersApi.UserIds(ApiLists.Split(userIds))));

    private static async Task<Ok<IReadOnlyList<UserPresence>>> ListSubscriptionsAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.GetUserId()).GetSubscriptionsAsync());

    private static async Task<Ok<IReadOnlyList<UserPresence>>> SubscribeAsync(SubscribeRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.GetUserId()).SubscribeToUsersAsync(
            request?.UserIds ?? throw new InvalidArgumentException("'userIds' is missing.", "userIds")));

    private static async Task<NoContent> UnsubscribeAsync(string userId, ClaimsPrincipal user, IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(user.GetUserId()).UnsubscribeFromUsersAsync([Validate.Id(userId, "userId")]);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> UnsubscribeAllAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(user.GetUserId()).UnsubscribeFromUsersAsync(null);
        return TypedResults.NoContent();
    }

    /// <summary>The presence of each user the caller sees, in the order asked; the others left out.</summary>
    internal static async Task<IReadOnlyList<UserPresence>> GetPresencesAsync(IGrainFactory grains, string callerId, IReadOnlyList<string> userIds) =>
        [.. (await Task.WhenAll(userIds.Select(id => GetVisiblePresenceAsync(grains, callerId, id)))).OfType<UserPresence>()];

    private static async Task<UserPresence?> GetVisiblePresenceAsync(IGrainFactory grains, string callerId, string userId)
    {
        try
        {
            await UsersApi.GetVisibleAsync(grains, callerId, userId);
        }
        catch (NotFoundException)
        {
            return null;
        }

        return await grains.GetGrain<IUserGrain>(userId).GetPresenceAsync(callerId);
    }
}
