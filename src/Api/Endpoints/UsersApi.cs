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
        api.MapGet("/organizations/{organizationId}/users/{userId}/metadata", GetMetadataAsync)
            .WithName("GetUserMetadata")
            .WithSummary("A user's metadata in an organization we are both in ('me' for mine): up to 8 keys of the app's data")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/organizations/{organizationId}/users/metadata", GetManyMetadataAsync)
            .WithName("GetUsersMetadata")
            .WithSummary("The metadata in the organization of up to 50 users (userIds=a,b,c); users I cannot see there are left out");
        api.MapPatch("/organizations/{organizationId}/users/me/metadata", PatchMyMetadataAsync)
            .WithName("UpdateMyMetadata")
            .WithSummary("Change keys of my metadata in the organization: each key given is set, or removed when null");
        api.MapPut("/organizations/{organizationId}/users/me/metadata", PutMyMetadataAsync)
            .WithName("ReplaceMyMetadata")
            .WithSummary("Replace my metadata in the organization whole ({} clears it)");
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

    private static async Task<Ok<UserMetadata>> GetMetadataAsync(string organizationId, string userId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var callerId = user.GetUserId();
        var metadata = await MetadataAsync(grains, callerId, Validate.Id(organizationId, "organizationId"), userId == "me" ? callerId : Validate.Id(userId, "userId"));
        return TypedResults.Ok(metadata ?? throw UserNotFound());
    }

    private static async Task<Ok<IReadOnlyList<UserMetadata>>> GetManyMetadataAsync(string organizationId, string? userIds, ClaimsPrincipal user, IGrainFactory grains)
    {
        Validate.Id(organizationId, "organizationId");
        var found = await Task.WhenAll(ParseUserIds(userIds).Select(id => MetadataAsync(grains, user.GetUserId(), organizationId, id)));
        return TypedResults.Ok<IReadOnlyList<UserMetadata>>([.. found.OfType<UserMetadata>()]);
    }

    /// <summary>A query's <c>userIds=a,b,c</c>: 1 to 50 valid ids, each once.</summary>
    internal static IReadOnlyList<string> ParseUserIds(string? userIds) =>
        UserIds((userIds ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>1 to 50 valid user ids, each once.</summary>
    internal static IReadOnlyList<string> UserIds(IEnumerable<string>? userIds)
    {
        var ids = (userIds ?? []).Distinct(StringComparer.Ordinal).ToList();
        return ids.Count is > 0 and <= 50 ? [.. ids.Select(id => Validate.Id(id, "userIds"))]
            : throw new InvalidArgumentException("'userIds' names 1 to 50 users.", "userIds");
    }

    private static async Task<Ok<UserMetadata>> PatchMyMetadataAsync(string organizationId, Dictionary<string, string?> changes, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await UpdateMyMetadataAsync(grains, user.GetUserId(), organizationId, changes, replace: false));

    private static async Task<Ok<UserMetadata>> PutMyMetadataAsync(string organizationId, Dictionary<string, string> metadata, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await UpdateMyMetadataAsync(grains, user.GetUserId(), organizationId, metadata.ToDictionary(e => e.Key, e => (string?)e.Value), replace: true));

    private static async Task<UserMetadata> UpdateMyMetadataAsync(IGrainFactory grains, string userId, string organizationId, IReadOnlyDictionary<string, string?> changes, bool replace) =>
        new(userId, organizationId, await grains.GetGrain<IUserGrain>(userId)
            .UpdateOrganizationMetadataAsync(Validate.Id(organizationId, "organizationId"), changes ?? throw new InvalidArgumentException("The metadata is missing.", "metadata"), replace));

    /// <summary>The user's metadata in the organization, when the caller is in it and sees the user there; null otherwise.</summary>
    private static async Task<UserMetadata?> MetadataAsync(IGrainFactory grains, string callerId, string organizationId, string userId)
    {
        try
        {
            var profile = await GetVisibleAsync(grains, callerId, userId);
            if (!profile.Organizations.Contains(organizationId, StringComparer.Ordinal)
                || !await grains.GetGrain<IUserGrain>(callerId).IsMemberOfAsync(organizationId))
            {
                return null;
            }

            return new UserMetadata(userId, organizationId, await grains.GetGrain<IUserGrain>(userId).GetOrganizationMetadataAsync(organizationId));
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

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
    internal static NotFoundException UserNotFound() => new("No user you can see matches.");

    /// <summary>Another user as the caller may see them (shared organizations only, no private data); the one not-found otherwise.</summary>
    internal static async Task<UserProfile> GetVisibleAsync(IGrainFactory grains, string callerId, string userId)
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
