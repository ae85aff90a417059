using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// The hub's side of finding users (by id, in batches, by name) and of a group's metadata (see <c>UsersApi</c> and
/// <c>GroupsApi</c> for the REST routes and the rules).
/// </summary>
public sealed partial class ChatHub
{
    /// <summary>A user sharing an organization with me; the one <c>not-found</c> otherwise.</summary>
    public Task<UserProfile> GetUser(string userId) => UsersApi.GetVisibleAsync(grains, CallerId, Validate.Id(userId, "userId"));

    /// <summary>Up to 50 users by id, email and phone: each I can see once; the others are left out.</summary>
    public Task<UserLookupResult> LookupUsers(UserLookupRequest? request) => UsersApi.LookupAsync(grains, CallerId, request);

    /// <summary>The organization's users by name prefix, a page at a time.</summary>
    public Task<UserPage> SearchUsers(string organizationId, UserQuery? query) => UsersApi.SearchAsync(grains, CallerId, organizationId, query);

    public async Task<GroupMetadata> GetGroupMetadata(string conversationId) => await Group(conversationId).GetMetadataAsync(CallerId);

    /// <summary>The metadata of up to 50 groups of the organization; groups I cannot see are left out.</summary>
    public Task<IReadOnlyList<GroupMetadata>> GetGroupsMetadata(string organizationId, IReadOnlyList<string> conversationIds) =>
        GroupsApi.MetadataOfGroupsAsync(grains, CallerId, organizationId, conversationIds);

    /// <summary>Sets each key given, or removes it when null.</summary>
    public async Task<GroupMetadata> UpdateGroupMetadata(string conversationId, IReadOnlyDictionary<string, string?> changes) =>
        await Group(conversationId).UpdateMetadataAsync(CallerId, changes ?? throw MetadataMissing(), replace: false);

    /// <summary>Replaces the metadata whole (<c>{}</c> clears it).</summary>
    public async Task<GroupMetadata> ReplaceGroupMetadata(string conversationId, IReadOnlyDictionary<string, string> metadata) =>
        await Group(conversationId).UpdateMetadataAsync(
            CallerId, (metadata ?? throw MetadataMissing()).ToDictionary(e => e.Key, e => (string?)e.Value), replace: true);

    private static InvalidArgumentException MetadataMissing() => new("The metadata is missing.", "metadata");
}
