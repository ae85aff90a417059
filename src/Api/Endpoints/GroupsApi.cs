using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// Groups and forums: create (optionally with the first message), read, edit, members, roles and permissions, and the
/// directory of an organization's forums. Their
/// messages, history and read receipts go through the conversation endpoints with the group's id
/// (<c>organizationId:groupId</c>), like any conversation.
/// </summary>
public static class GroupsApi
{
    public static IEndpointRouteBuilder MapGroupsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/v1/organizations/{organizationId}/groups").WithTags("Groups")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("", CreateGroupAsync)
            .WithName("CreateGroup")
            .WithSummary("Create a group or forum with me as owner, optionally sending its first message in the same call")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/{groupId}", GetAsync)
            .WithName("GetGroup")
            .WithSummary("A group I am in, or a forum of my organization");
        api.MapPatch("/{groupId}", UpdateAsync)
            .WithName("UpdateGroup")
            .WithSummary("Change name, description, avatar or replayHistory (owner, admins, members allowed to edit)");
        api.MapPost("/{groupId}/members", AddMembersAsync)
            .WithName("AddGroupMembers")
            .WithSummary("Add users of the organization (owner, admins, members allowed to add)");
        api.MapDelete("/{groupId}/members/{userId}", RemoveMemberAsync)
            .WithName("RemoveGroupMember")
            .WithSummary("Remove a member (owner: anyone; admins: plain members), or leave when it is me");
        api.MapPost("/{groupId}/join", JoinAsync)
            .WithName("JoinForum")
            .WithSummary("Join a forum of my organization");
        api.MapPut("/{groupId}/members/{userId}/role", SetRoleAsync)
            .WithName("SetGroupRole")
            .WithSummary("The owner makes a member an admin (at most 5), a plain member, or the new owner")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPut("/{groupId}/members/{userId}/permissions", SetPermissionsAsync)
            .WithName("SetGroupPermissions")
            .WithSummary("The owner or an admin sets what a plain member may do");
        api.MapGet("/metadata", GetManyMetadataAsync)
            .WithName("GetGroupsMetadata")
            .WithSummary("The metadata of up to 50 groups of the organization (conversationIds=a,b,c); groups I cannot see are left out");
        api.MapGet("/{groupId}/metadata", GetMetadataAsync)
            .WithName("GetGroupMetadata")
            .WithSummary("A group's metadata, up to 8 keys of the app's data: for its members, and anyone in the organization for a forum");
        api.MapPatch("/{groupId}/metadata", PatchMetadataAsync)
            .WithName("UpdateGroupMetadata")
            .WithSummary("Change keys of a group's metadata: each key given is set, or removed when null (owner, admins, members allowed to edit); the members get conversation:change");
        api.MapPut("/{groupId}/metadata", PutMetadataAsync)
            .WithName("ReplaceGroupMetadata")
            .WithSummary("Replace a group's metadata whole ({} clears it), as an update may");
        routes.MapGet("/v1/organizations/{organizationId}/forums", SearchForumsAsync).WithTags("Groups")
            .WithName("SearchForums")
            .WithSummary("The organization's forums by name (prefix, ignoring case and accents), a page at a time: limit 1-200, continuation from the previous page")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return routes;
    }

    private static async Task<Created<GroupCreated>> CreateGroupAsync(
        string organizationId, CreateGroupRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var created = await CreateAsync(grains, user.GetUserId(), user.GetSessionId(), organizationId, request);
        return TypedResults.Created($"/v1/organizations/{Uri.EscapeDataString(organizationId)}/groups/{Uri.EscapeDataString(created.Group.GroupId)}", created);
    }

    /// <summary>Creates the group, then sends its first message if the request has one (REST and the hub).</summary>
    internal static async Task<GroupCreated> CreateAsync(IGrainFactory grains, string userId, string? sessionId, string organizationId, CreateGroupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = GroupKey.For(organizationId, request.Id ?? Guid.NewGuid().ToString("N"));
        var group = grains.GetGrain<IGroupGrain>(key.ToGrainKey());
        if (request.FirstMessage is { } first)
        {
            // Checked before the group exists, so that a bad first message does not leave a group behind.
            Validate.Body(first.Body);
            Validate.Id(first.ClientMessageId, "clientMessageId");
        }

        var info = await group.CreateAsync(new CreateGroupCommand(
            userId, request.Name, request.Type, request.MemberIds, request.Description, request.AvatarUrl, request.ReplayHistory, request.Metadata));
        var message = request.FirstMessage is { } firstMessage
            ? (await group.SendAsync(firstMessage.ToCommand(userId, sessionId))).Message
            : null;
        return new GroupCreated(info, message);
    }

    private static async Task<Ok<GroupInfo>> GetAsync(string organizationId, string groupId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Group(grains, organizationId, groupId).GetAsync(user.GetUserId()));

    private static async Task<Ok<GroupInfo>> UpdateAsync(
        string organizationId, string groupId, UpdateGroupRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Group(grains, organizationId, groupId)
            .UpdateAsync(user.GetUserId(), new GroupChanges(request.Name, request.Description, request.AvatarUrl, request.ReplayHistory, request.Metadata)));

    private static async Task<Ok<GroupInfo>> AddMembersAsync(
        string organizationId, string groupId, AddMembersRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Group(grains, organizationId, groupId).AddMembersAsync(user.GetUserId(), request.UserIds));

    private static async Task<Ok<GroupInfo>> RemoveMemberAsync(string organizationId, string groupId, string userId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var me = user.GetUserId();
        var group = Group(grains, organizationId, groupId);
        return TypedResults.Ok(string.Equals(userId, me, StringComparison.Ordinal)
            ? await group.LeaveAsync(me)
            : await group.RemoveMemberAsync(me, userId));
    }

    private static async Task<Ok<GroupInfo>> JoinAsync(string organizationId, string groupId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Group(grains, organizationId, groupId).JoinAsync(user.GetUserId()));

    private static async Task<Ok<GroupInfo>> SetRoleAsync(
        string organizationId, string groupId, string userId, SetRoleRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Group(grains, organizationId, groupId).SetRoleAsync(user.GetUserId(), userId, request.Role));

    private static async Task<Ok<GroupInfo>> SetPermissionsAsync(
        string organizationId, string groupId, string userId, GroupPermissions request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Group(grains, organizationId, groupId).SetPermissionsAsync(user.GetUserId(), userId, request));

    private static async Task<Ok<GroupMetadata>> GetMetadataAsync(string organizationId, string groupId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Group(grains, organizationId, groupId).GetMetadataAsync(user.GetUserId()));

    private static async Task<Ok<IReadOnlyList<GroupMetadata>>> GetManyMetadataAsync(string organizationId, string? conversationIds, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await MetadataOfGroupsAsync(grains, user.GetUserId(), organizationId, ApiLists.Split(conversationIds)));

    private static async Task<Ok<GroupMetadata>> PatchMetadataAsync(
        string organizationId, string groupId, Dictionary<string, string?> changes, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Group(grains, organizationId, groupId).UpdateMetadataAsync(user.GetUserId(), changes, replace: false));

    private static async Task<Ok<GroupMetadata>> PutMetadataAsync(
        string organizationId, string groupId, Dictionary<string, string> metadata, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Group(grains, organizationId, groupId)
            .UpdateMetadataAsync(user.GetUserId(), metadata.ToDictionary(e => e.Key, e => (string?)e.Value), replace: true));

    /// <summary>
    /// The metadata of the organization's groups among <paramref name="conversationIds"/> (REST and the hub); a group
    /// the user cannot see, or of another organization, is left out.
    /// </summary>
    internal static async Task<IReadOnlyList<GroupMetadata>> MetadataOfGroupsAsync(
        IGrainFactory grains, string userId, string organizationId, IEnumerable<string>? conversationIds)
    {
        Validate.Id(organizationId, "organizationId");
        var keys = ApiLists.Check(conversationIds, "conversationIds", "groups").Select(GroupKey.Parse).ToList();
        var found = await Task.WhenAll(keys.Where(k => k.OrganizationId == organizationId).Select(async key =>
        {
            try
            {
                return await grains.GetGrain<IGroupGrain>(key.ToGrainKey()).GetMetadataAsync(userId);
            }
            catch (NotFoundException)
            {
                return null;
            }
        }));
        return [.. found.OfType<GroupMetadata>()];
    }

    private static async Task<Ok<ForumPage>> SearchForumsAsync(
        string organizationId, string? name, int? limit, string? continuation, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IForumDirectoryGrain>(Validate.Id(organizationId, "organizationId"))
            .SearchAsync(user.GetUserId(), new ForumQuery(name, limit, continuation)));

    private static IGroupGrain Group(IGrainFactory grains, string organizationId, string groupId) =>
        grains.GetGrain<IGroupGrain>(GroupKey.For(organizationId, groupId).ToGrainKey());
}
