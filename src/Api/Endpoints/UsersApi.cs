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
        api.MapPatch("/me", UpdateMeAsync)
            .WithName("UpdateMe")
            .WithSummary("Change my profile: a field left out keeps its value, an empty text clears an optional one; publicData and privateData (seen by me only) are replaced whole, {} clears; my other devices get user:updated")
            .ProducesProblem(StatusCodes.Status409Conflict);
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

    private static async Task<Ok<UserProfile>> UpdateMeAsync(UpdateProfileRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.GetUserId()).UpdateProfileAsync(request.ToChanges(user.GetSessionId())));

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
        var profile = await GetVisibleAsync(grains, user.GetUserId(), userId);

        // A lookup left behind by a change of address (its release lost to a crash) no longer finds the user.
        return profile.Email == key.Value || profile.Phone == key.Value ? TypedResults.Ok(profile) : throw UserNotFound();
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
        // Another user's private data is theirs alone.
        return shared.Count > 0 ? other with { Organizations = shared, PrivateData = null } : throw UserNotFound();
    }
}
