using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// My privacy lists. The active list's denies block: a denied user's 1-1 messages to me are refused
/// (<c>permission-denied</c>), their group messages do not reach me, and they see my presence as <c>UNKNOWN</c>; a
/// mutual deny blocks the other way too.
/// </summary>
public static class PrivacyApi
{
    public static IEndpointRouteBuilder MapPrivacyApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/v1/me").WithTags("Privacy")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapGet("/privacy-lists", ListAsync)
            .WithName("ListPrivacyLists")
            .WithSummary("My privacy lists, the active one marked");
        api.MapPut("/privacy-lists/{name}", SetAsync)
            .WithName("SetPrivacyList")
            .WithSummary("Create or replace a privacy list (up to 20 lists of 500 entries {userId, action: allow|deny, mutual}); if it is active it applies at once")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapDelete("/privacy-lists/{name}", DeleteAsync)
            .WithName("DeletePrivacyList")
            .WithSummary("Delete a privacy list; deleting the active one leaves none active")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/active-privacy-list", SetActiveAsync)
            .WithName("SetActivePrivacyList")
            .WithSummary("Make a privacy list the active one ({name}), or none ({name: null})")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<Ok<IReadOnlyList<PrivacyList>>> ListAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.GetUserId()).GetPrivacyListsAsync());

    private static async Task<Ok<PrivacyList>> SetAsync(string name, PrivacyListRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.GetUserId()).SetPrivacyListAsync(
            new PrivacyList(name, request?.Items ?? throw new InvalidArgumentException("'items' is missing.", "items"))));

    private static async Task<NoContent> DeleteAsync(string name, ClaimsPrincipal user, IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(user.GetUserId()).DeletePrivacyListAsync(name);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> SetActiveAsync(ActivePrivacyListRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(user.GetUserId()).SetActivePrivacyListAsync(request?.Name);
        return TypedResults.NoContent();
    }
}
