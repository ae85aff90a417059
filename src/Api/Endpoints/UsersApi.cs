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
        api.MapPost("/users/lookup", LookupUsersAsync)
            .WithName("LookupUsers")
            .WithSummary("Up to 50 users at once by userIds, emails and phones: each user I can see once, in the order asked; the others are left out");
        api.MapGet("/organizations/{organizationId}/users", SearchUsersAsync)
            .WithName("SearchUsers")
            .WithSummary("The organization's users whose display, first or last name starts with name (ignoring case and accents), a page at a time: limit 1-200, continuation from the previous page")
            .ProducesProblem(StatusCodes.Status403Forbidden);
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
        var found = await Task.WhenAll(UserIds(ApiLists.Split(userIds)).Select(id => MetadataAsync(grains, user.GetUserId(), organizationId, id)));
        return TypedResults.Ok<IReadOnlyList<UserMetadata>>([.. found.OfType<UserMetadata>()]);
    }

    /// <summary>1 to 50 valid user ids, each once (a query's <c>userIds=a,b,c</c> through <see cref="ApiLists.Split"/>).</summary>
    internal static List<string> UserIds(IEnumerable<string>? userIds) =>
        [.. ApiLists.Check(userIds, "userIds", "users").Select(id => Validate.Id(id, "userIds"))];

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

        var request = string.IsNullOrEmpty(email) ? new UserLookupRequest(Phones: [phone!]) : new UserLookupRequest(Emails: [email]);
        return TypedResults.Ok((await LookupAsync(grains, user.GetUserId(), request)).Items.SingleOrDefault() ?? throw UserNotFound());
    }

    private static async Task<Ok<UserLookupResult>> LookupUsersAsync(UserLookupRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await LookupAsync(grains, user.GetUserId(), request));

    private static async Task<Ok<UserPage>> SearchUsersAsync(
        string organizationId, string? name, int? limit, string? continuation, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await SearchAsync(grains, user.GetUserId(), organizationId, new UserQuery(name, limit, continuation)));

    /// <summary>
    /// Users by id, email and phone (REST and the hub): each user the caller may see, once, in the order asked; a user
    /// missing and one the caller may not see are left out alike.
    /// </summary>
    internal static async Task<UserLookupResult> LookupAsync(IGrainFactory grains, string callerId, UserLookupRequest? request)
    {
        var (userIds, emails, phones) = (request?.UserIds ?? [], request?.Emails ?? [], request?.Phones ?? []);
        if (userIds.Count + emails.Count + phones.Count is 0 or > Validate.MaxLookupsPerCall)
        {
            throw new InvalidArgumentException($"Name 1 to {Validate.MaxLookupsPerCall} users in 'userIds', 'emails' and 'phones' together.", "userIds");
        }

        var ids = userIds.Select(id => Validate.Id(id, "userIds")).ToList();
        var addresses = emails.Select(UserLookupKey.ForEmail).Concat(phones.Select(UserLookupKey.ForPhone)).ToList();
        var owners = await Task.WhenAll(addresses.Select(a => grains.GetGrain<IUserLookupGrain>(a.ToGrainKey()).GetUserIdAsync().AsTask()));
        var asked = ids.Select(id => (UserId: id, Address: (UserLookupKey?)null))
            .Concat(addresses.Zip(owners).Where(o => o.Second is not null).Select(o => (UserId: o.Second!, Address: (UserLookupKey?)o.First)))
            .ToList();
        var profiles = (await VisibleProfilesAsync(grains, callerId, asked.Select(a => a.UserId).Distinct(StringComparer.Ordinal)))
            .ToDictionary(p => p.Id, StringComparer.Ordinal);

        // An address finds its user only while the user still has it: a lookup left behind by a change of address (its
        // release lost to a crash) no longer does.
        return new UserLookupResult([.. asked
            .Where(a => profiles.TryGetValue(a.UserId, out var p) && (a.Address is not { } address || p.Email == address.Value || p.Phone == address.Value))
            .Select(a => a.UserId)
            .Distinct(StringComparer.Ordinal)
            .Select(id => profiles[id])]);
    }

    /// <summary>
    /// A page of the organization's users by name (REST and the hub), as the caller sees them; <c>permission-denied</c>
    /// unless the caller is a member.
    /// </summary>
    internal static async Task<UserPage> SearchAsync(IGrainFactory grains, string callerId, string organizationId, UserQuery? query)
    {
        var page = await grains.GetGrain<IUserDirectoryGrain>(Validate.Id(organizationId, "organizationId")).SearchAsync(callerId, query ?? new UserQuery());
        var profiles = await VisibleProfilesAsync(grains, callerId, page.UserIds);
        return new UserPage([.. profiles.Where(p => p.Organizations.Contains(organizationId, StringComparer.Ordinal))], page.Continuation);
    }

    /// <summary>
    /// The one answer for a user the caller may not see, word for word whether the user is missing or only shares no
    /// organization with the caller, and without the id or address asked for: an outsider learns nothing from a lookup.
    /// </summary>
    internal static NotFoundException UserNotFound() => new("No user you can see matches.");

    internal static async Task<UserProfile> GetVisibleAsync(IGrainFactory grains, string callerId, string userId) =>
        (await VisibleProfilesAsync(grains, callerId, [userId])).SingleOrDefault() ?? throw UserNotFound();

    /// <summary>
    /// The profiles of the users the caller may see, in the order given: the caller's own whole, another user's when they
    /// share an organization, showing only the shared ones and no private data. The others are left out.
    /// </summary>
    internal static async Task<IReadOnlyList<UserProfile>> VisibleProfilesAsync(IGrainFactory grains, string callerId, IEnumerable<string> userIds)
    {
        var ids = userIds.ToList();
        if (ids.Count == 0)
        {
            return [];
        }

        var me = grains.GetGrain<IUserGrain>(callerId).GetProfileAsync().AsTask();
        var profiles = await Task.WhenAll(ids.Select(async userId =>
        {
            if (string.Equals(userId, callerId, StringComparison.Ordinal))
            {
                return await me;
            }

            UserProfile other;
            try
            {
                other = await grains.GetGrain<IUserGrain>(userId).GetProfileAsync();
            }
            catch (NotFoundException)
            {
                return null;
            }

            var shared = (await me).Organizations.Intersect(other.Organizations, StringComparer.Ordinal).ToList();
            // Another user's private data is theirs alone.
            return shared.Count > 0 ? other with { Organizations = shared, PrivateData = null } : null;
        }));
        return [.. profiles.OfType<UserProfile>()];
    }
}
