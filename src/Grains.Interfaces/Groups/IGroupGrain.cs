using System.Text.Json.Serialization;
using Orleans.Chat.Grains.Conversations;
using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// A group or forum of one organization, keyed by <see cref="GroupKey.ToGrainKey"/> (which is also
/// its conversation id). Its members have roles and permissions; adding, removing, joining and leaving are messages
/// in its timeline (<see cref="Messages.MessageType.GroupMembershipChange"/>). Every method names the user acting;
/// a user who may not see the group gets the same <c>not-found</c> as for a group that does not exist.
/// </summary>
[Alias("chat.IGroupGrain")]
public interface IGroupGrain : IChatConversation
{
    /// <summary>
    /// A member's privacy list changed: their unread count is counted again, leaving out the messages of the users they
    /// no longer receive from, and their roster entry is pushed. One-way: the member's grain calls it while it is busy.
    /// </summary>
    [OneWay]
    Task ForgetSilencedAsync(string userId);

    /// <summary>Creates the group with its creator as owner and the given members; <c>conflict</c> if it exists.</summary>
    ValueTask<GroupInfo> CreateAsync(CreateGroupCommand command);

    [ReadOnly]
    ValueTask<GroupInfo> GetAsync(string requesterId);

    /// <summary>Changes name, description, avatar or replayHistory (null keeps); the owner, admins and members allowed to edit.</summary>
    ValueTask<GroupInfo> UpdateAsync(string requesterId, GroupChanges changes);

    /// <summary>The group's metadata, for whoever may read the group (<see cref="GetAsync"/>).</summary>
    [ReadOnly]
    ValueTask<GroupMetadata> GetMetadataAsync(string requesterId);

    /// <summary>
    /// Changes the metadata, for those who may edit the group (<see cref="UpdateAsync"/>): <paramref name="replace"/>
    /// sets it to <paramref name="changes"/> whole; otherwise each key is set, or removed when its value is null. At most
    /// <see cref="Errors.Validate.MaxGroupMetadataEntries"/> keys. The members get the group's new view, as for an update.
    /// </summary>
    ValueTask<GroupMetadata> UpdateMetadataAsync(string requesterId, IReadOnlyDictionary<string, string?> changes, bool replace);

    /// <summary>Adds users of the organization (members already in are skipped); the owner, admins and members allowed to add.</summary>
    ValueTask<GroupInfo> AddMembersAsync(string requesterId, IReadOnlyList<string> userIds);

    /// <summary>Removes a member; the owner removes anyone but themselves, an admin removes plain members.</summary>
    ValueTask<GroupInfo> RemoveMemberAsync(string requesterId, string userId);

    /// <summary>A user of the organization joins a forum (idempotent); <c>permission-denied</c> for other types.</summary>
    ValueTask<GroupInfo> JoinAsync(string userId);

    /// <summary>A member leaves; an owner who leaves hands ownership to the longest-standing admin, else member.</summary>
    ValueTask<GroupInfo> LeaveAsync(string userId);

    /// <summary>The owner makes a member an admin (at most <see cref="GroupLimits.MaxAdmins"/>) or a plain member again, or hands over ownership.</summary>
    ValueTask<GroupInfo> SetRoleAsync(string requesterId, string userId, GroupRole role);

    /// <summary>The owner or an admin sets what a plain member may do.</summary>
    ValueTask<GroupInfo> SetPermissionsAsync(string requesterId, string userId, GroupPermissions permissions);

    /// <summary>Subscribes (or renews) an Api host to the group's broadcast messages; expires unless renewed.</summary>
    ValueTask SubscribeAsync(IGroupObserver observer);

    ValueTask UnsubscribeAsync(IGroupObserver observer);
}

public static class GroupLimits
{
    public const int MaxAdmins = 5;

    public const int MaxMembers = 5_000;

    /// <summary>
    /// A group with more members than this broadcasts its messages to the Api hosts instead of updating each member's
    /// user grain (see <see cref="Conversations.ConversationView.Broadcast"/>). Per-member updates keep every roster and
    /// counter live, at one grain call per member per message: cheap for tens of members, too much for thousands.
    /// </summary>
    public const int BroadcastAbove = 100;

    /// <summary>A broadcast group goes back to per-member updates below this, so that one join and leave do not flip it.</summary>
    public const int BroadcastBelow = 80;

    /// <summary>How many members one create or add call names.</summary>
    public const int MaxMembersPerCall = 100;
}

[GenerateSerializer, Alias("chat.GroupType")]
public enum GroupType
{
    /// <summary>Private: members are added by those allowed to.</summary>
    [JsonStringEnumMemberName("group")]
    Group,

    /// <summary>Public in its organization: anyone there finds it in the directory, joins and leaves.</summary>
    [JsonStringEnumMemberName("forum")]
    Forum,

    /// <summary>
    /// A broadcast list: its owner and admins send, and each other member gets the message as a 1-1 message from the
    /// sender (replies are 1-1). The members never see the list; its own timeline is its senders' record of what went out.
    /// </summary>
    [JsonStringEnumMemberName("distributionList")]
    DistributionList,
}

[GenerateSerializer, Alias("chat.GroupRole")]
public enum GroupRole
{
    [JsonStringEnumMemberName("member")]
    Member,

    [JsonStringEnumMemberName("admin")]
    Admin,

    [JsonStringEnumMemberName("owner")]
    Owner,
}

/// <summary>What a plain member may do; the owner and admins may do all of it.</summary>
[GenerateSerializer, Immutable, Alias("chat.GroupPermissions")]
public sealed record GroupPermissions(
    [Id(0)] bool MaySend = true,
    [Id(1)] bool MayAddMembers = false,
    [Id(2)] bool MayEditGroup = false);

[GenerateSerializer, Immutable, Alias("chat.CreateGroupCommand")]
public sealed record CreateGroupCommand(
    [Id(0)] string CreatorId,
    [Id(1)] string Name,
    [Id(2)] GroupType Type = GroupType.Group,
    [Id(3)] IReadOnlyList<string>? MemberIds = null,
    [Id(4)] string? Description = null,
    [Id(5)] string? AvatarUrl = null,
    [Id(6)] bool ReplayHistory = true,
    [Id(7)] IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>Changes to a group; null keeps a value, and an empty <see cref="Metadata"/> clears it.</summary>
[GenerateSerializer, Immutable, Alias("chat.GroupChanges")]
public sealed record GroupChanges(
    [Id(0)] string? Name = null,
    [Id(1)] string? Description = null,
    [Id(2)] string? AvatarUrl = null,
    [Id(3)] bool? ReplayHistory = null,
    [Id(4)] IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>A member: role, permissions, and the sortNumber of the message that made them a member.</summary>
[GenerateSerializer, Immutable, Alias("chat.GroupMember")]
public sealed record GroupMember(
    [Id(0)] string UserId,
    [Id(1)] GroupRole Role,
    [Id(2)] GroupPermissions Permissions,
    [Id(3)] long JoinedSortNumber);

/// <summary>A group; <see cref="Id"/> is its conversation id (<c>organizationId:groupId</c>).</summary>
[GenerateSerializer, Immutable, Alias("chat.GroupInfo")]
public sealed record GroupInfo(
    [Id(0)] string Id,
    [Id(1)] string OrganizationId,
    [Id(2)] string GroupId,
    [Id(3)] GroupType Type,
    [Id(4)] string Name,
    [Id(5)] string? Description,
    [Id(6)] string? AvatarUrl,
    [Id(7)] bool ReplayHistory,
    [Id(8)] IReadOnlyList<GroupMember> Members,
    [Id(9)] DateTimeOffset CreatedAt,
    [Id(10)] IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>A group's metadata: the app's own data about it; <see cref="Id"/> is its conversation id.</summary>
[GenerateSerializer, Immutable, Alias("chat.GroupMetadata")]
public sealed record GroupMetadata(
    [Id(0)] string Id,
    [Id(1)] string OrganizationId,
    [Id(2)] string GroupId,
    [Id(3)] IReadOnlyDictionary<string, string> Metadata);
