using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Api.Realtime;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>Provisioning for server-side callers holding the admin key (<c>X-Admin-Key</c>).</summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/v1/admin")
            .RequireAuthorization(ChatAuthorization.AdminPolicy)
            .WithTags("Admin")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapPost("/organizations", CreateOrganizationAsync)
            .WithName("CreateOrganization")
            .WithSummary("Create an organization");
        admin.MapGet("/organizations/{organizationId}", GetOrganizationAsync)
            .WithName("GetOrganization")
            .WithSummary("Get an organization and its member count");
        admin.MapPut("/organizations/{organizationId}/settings", SetSettingsAsync)
            .WithName("SetOrganizationSettings")
            .WithSummary("Replace an organization's settings: maxMessageTtlMinutes (1-525600, or null for none) caps the time to live of its messages; allowCrossOrganization (default false) lets its members have 1-1 conversations with members of other organizations that allow it too");
        admin.MapPost("/users", CreateUserAsync)
            .WithName("CreateUser")
            .WithSummary("Create a user");
        admin.MapPut("/organizations/{organizationId}/members/{userId}", AddMemberAsync)
            .WithName("AddOrganizationMember")
            .WithSummary("Add a user to an organization (idempotent)");
        admin.MapGet("/users/{userId}/connections", GetConnections)
            .WithName("GetUserConnections")
            .WithSummary("How many hub connections of the user this API host holds (each host answers for itself)");
        return routes;
    }

    private static async Task<Created<OrganizationInfo>> CreateOrganizationAsync(CreateOrganizationRequest request, IGrainFactory grains)
    {
        var id = string.IsNullOrEmpty(request.Id) ? NewId() : request.Id;
        var organization = await grains.GetGrain<IOrganizationGrain>(Validate.Id(id, "id"))
            .CreateAsync(new CreateOrganizationCommand(request.Name));
        return TypedResults.Created($"/v1/admin/organizations/{organization.Id}", organization);
    }

    private static async Task<Ok<OrganizationInfo>> GetOrganizationAsync(string organizationId, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IOrganizationGrain>(Validate.Id(organizationId, "organizationId")).GetAsync());

    private static async Task<Ok<OrganizationInfo>> SetSettingsAsync(string organizationId, OrganizationSettings settings, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IOrganizationGrain>(Validate.Id(organizationId, "organizationId")).SetSettingsAsync(settings));

    private static async Task<Created<UserProfile>> CreateUserAsync(CreateUserRequest request, IGrainFactory grains)
    {
        var id = string.IsNullOrEmpty(request.Id) ? NewId() : request.Id;
        var profile = await grains.GetGrain<IUserGrain>(Validate.Id(id, "id")).CreateAsync(new CreateUserCommand(
            request.DisplayName, request.Password, request.Email, request.Phone, request.FirstName, request.LastName));
        return TypedResults.Created($"/v1/users/{profile.Id}", profile);
    }

    private static async Task<NoContent> AddMemberAsync(string organizationId, string userId, IGrainFactory grains)
    {
        await grains.GetGrain<IOrganizationGrain>(Validate.Id(organizationId, "organizationId"))
            .AddMemberAsync(Validate.Id(userId, "userId"));
        return TypedResults.NoContent();
    }

    private static Ok<UserConnectionCount> GetConnections(string userId, UserConnections connections) =>
        TypedResults.Ok(new UserConnectionCount(userId, connections.ConnectionCount(Validate.Id(userId, "userId"))));

    private static string NewId() => Guid.NewGuid().ToString("N");
}
