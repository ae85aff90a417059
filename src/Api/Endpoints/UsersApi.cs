using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// Me and other users. Another user is visible only when they share an organization with the caller, and then only
/// the shared organizations are shown; an invisible user is answered as not found.
/// </summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/v1").WithTags("Users")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/me", GetMeAsync)
            .WithName("GetMe")
            .WithSummary("My profile and organizations");
        api.MapGet("/users/{userId}", GetUserAsync)
            .WithName("GetUser")
            .WithSummary("A user sharing an organization with me");
        api.MapGet("/users", FindUserAsync)
            .WithName("FindUser")
            .WithSummary("Find a user sharing an organization with me by email or phone");
        return routes;
    }

    private static async Task<Ok<UserProfile>> GetMeAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.GetUserId()).GetProfileAsync());

    private static async Task<Ok<UserProfile>> GetUserAsync(string userId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await GetVisibleAsync(grains, user.GetUserId(), Validate.Id(userId, "userId")));

    private static async Task<Ok<UserProfile>> FindUserAsync(string? email, string? phone, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (string.IsNullOrEmpty(email) == string.IsNullOrEmpty(phone))
        {
            throw new InvalidArgumentException("Give exactly one of 'email' or 'phone'.");
        }

        var key = string.IsNullOrEmpty(email) ? UserLookupKey.ForPhone(phone) : UserLookupKey.ForEmail(email);
        var userId = await grains.GetGrain<IUserLookupGrain>(key.ToGrainKey()).GetUserIdAsync() ?? throw UserNotFound();
        return TypedResults.Ok(await GetVisibleAsync(grains, user.GetUserId(), userId));
    }

    /// <summary>
    /// The one answer for a user the caller may not see, word for word whether the user is missing or only shares no
    /// organization with the caller, and without the id or address asked for: an outsider learns nothing from a lookup.
    /// </summary>
    private static NotFoundException UserNotFound() => new("No user you can see matches.");

    private static async Task<UserProfile> GetVisibleAsync(IGrainFactory grains, string callerId, string userId)
    {
        if (string.Equals(callerId, userId, StringComparison.Ordinal))
        {
            return await grains.GetGrain<IUserGrain>(callerId).GetProfileAsync();
        }

        var me = grains.GetGrain<IUserGrain>(callerId).GetProfileAsync().AsTask();
        UserProfile other;
        try
        {
            other = await grains.GetGrain<IUserGrain>(userId).GetProfileAsync();
        }
        catch (NotFoundException)
        {
            throw UserNotFound();
        }

        var shared = (await me).Organizations.Intersect(other.Organizations, StringComparer.Ordinal).ToList();
        return shared.Count > 0 ? other with { Organizations = shared } : throw UserNotFound();
    }
}
