using System.ComponentModel.DataAnnotations;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>Create an organization; without an id the server picks one.</summary>
public sealed record CreateOrganizationRequest(
    [property: RegularExpression(Validate.IdPattern)] string? Id,
    [property: Required, StringLength(Validate.MaxNameLength, MinimumLength = 1)] string Name);

/// <summary>Create a user; without an id the server picks one. Email and phone are optional and unique.</summary>
public sealed record CreateUserRequest(
    [property: RegularExpression(Validate.IdPattern)] string? Id,
    [property: StringLength(Validate.MaxEmailLength)] string? Email,
    [property: StringLength(Validate.MaxPhoneLength)] string? Phone,
    [property: Required, StringLength(Validate.MaxNameLength, MinimumLength = 1)] string DisplayName,
    [property: StringLength(Validate.MaxNameLength)] string? FirstName,
    [property: StringLength(Validate.MaxNameLength)] string? LastName,
    [property: Required, StringLength(Validate.MaxPasswordLength, MinimumLength = Validate.MinPasswordLength)] string Password);

/// <summary>Sign in with exactly one of user id, email or phone, the password and the device id.</summary>
public sealed record SignInRequest(
    [property: RegularExpression(Validate.IdPattern)] string? UserId,
    [property: StringLength(Validate.MaxEmailLength)] string? Email,
    [property: StringLength(Validate.MaxPhoneLength)] string? Phone,
    [property: Required, StringLength(Validate.MaxPasswordLength, MinimumLength = 1)] string Password,
    [property: Required, StringLength(Validate.MaxUdidLength, MinimumLength = 1)] string Udid);

/// <summary>
/// A bearer access token for the <c>Authorization: Bearer</c> header (or <c>access_token</c> query on the hub), and the
/// refresh token that buys the next one (<c>POST /v1/auth/refresh</c>) before <see cref="AccessTokenExpiresAt"/>.
/// </summary>
public sealed record SignInResponse(
    string AccessToken,
    string TokenType,
    long ExpiresIn,
    string UserId,
    string SessionId,
    DateTimeOffset AccessTokenExpiresAt,
    string RefreshToken,
    DateTimeOffset RefreshTokenExpiresAt);

/// <summary>Trade a refresh token for a new access token and a new refresh token; the given one is used up.</summary>
public sealed record RefreshRequest(string? RefreshToken);

/// <summary>When the connection's access token expires (<c>token:aboutToExpire</c>, and the answer of the hub's <c>RefreshToken</c>).</summary>
public sealed record TokenExpiry(DateTimeOffset ExpiresAt);

/// <summary>
/// <c>messages:offline:stop</c>: the replay after a reconnect is over. <see cref="Cursor"/> is where the device stands;
/// <see cref="SnapshotRequired"/> says the missed changes were not replayed (read the conversations anew);
/// <see cref="Replayed"/> counts the events sent.
/// </summary>
public sealed record OfflineStop(long Cursor, bool SnapshotRequired, int Replayed);

/// <summary>One event of <c>GET /v1/sync</c>: as the hub would have pushed it live (<see cref="Event"/> is its name).</summary>
public sealed record SyncEvent(long Cursor, string Event, object Data);

/// <summary>
/// The changes after <c>since</c>, oldest first, as events; <see cref="Cursor"/> is the <c>since</c> of the next call.
/// <see cref="SnapshotRequired"/>: the changes cannot be replayed (too many, the feed was reset after a crash, or no
/// <c>since</c> was given): read the conversations anew and go on from <see cref="Cursor"/>.
/// </summary>
public sealed record SyncPage(IReadOnlyList<SyncEvent> Events, long Cursor, bool HasMore, bool SnapshotRequired);

/// <summary>
/// Send a 1-1 message; <see cref="ClientMessageId"/> makes retries safe. <see cref="Priority"/> high counts in the
/// priority unread counters; <see cref="Metadata"/> carries the app's own entries; <see cref="Silent"/> raises no push;
/// <see cref="TtlMinutes"/> (capped by the organization's maximum) and <see cref="DeleteOnRead"/> make it go by itself;
/// <see cref="ParentSortNumber"/> makes it a reply in that message's thread; <see cref="Mentions"/> names members it
/// mentions besides the <c>@userId</c>s of the body; <see cref="AttachmentIds"/> (my uploads) or <see cref="Location"/>
/// make it an image, file or location message, whose <see cref="Body"/> is an optional caption.
/// <see cref="RecipientOrganizationId"/>, when it is not <see cref="OrganizationId"/>, names the recipient's organization:
/// the message goes across organizations, where both allow it (<c>allowCrossOrganization</c>).
/// </summary>
public sealed record SendMessageRequest(
    [property: Required, RegularExpression(Validate.IdPattern)] string OrganizationId,
    [property: Required, RegularExpression(Validate.IdPattern)] string RecipientId,
    [property: StringLength(Validate.MaxBodyBytes)] string? Body,
    [property: Required, RegularExpression(Validate.IdPattern)] string ClientMessageId,
    MessagePriority Priority = MessagePriority.Normal,
    [property: MaxLength(Validate.MaxMessageMetadataEntries)] IReadOnlyList<MessageMetadata>? Metadata = null,
    bool Silent = false,
    [property: Range(1, Validate.MaxTtlMinutes)] int? TtlMinutes = null,
    bool DeleteOnRead = false,
    [property: Range(1, long.MaxValue)] long? ParentSortNumber = null,
    [property: MaxLength(Validate.MaxMentions)] IReadOnlyList<string>? Mentions = null,
    [property: MaxLength(Validate.MaxAttachmentsPerMessage)] IReadOnlyList<string>? AttachmentIds = null,
    MessageLocation? Location = null,
    [property: RegularExpression(Validate.IdPattern)] string? RecipientOrganizationId = null)
{
    /// <summary>The conversation between the sender (of <see cref="OrganizationId"/>) and the recipient (of their organization).</summary>
    public ConversationKey ToConversationKey(string senderId) =>
        ConversationKey.For(OrganizationId, senderId, RecipientOrganizationId ?? OrganizationId, RecipientId);

    public SendMessageCommand ToCommand(string senderId, string? sessionId) =>
        new(senderId, Body ?? "", ClientMessageId, sessionId, Priority, Metadata, Silent, TtlMinutes: TtlMinutes, DeleteOnRead: DeleteOnRead,
            ParentSortNumber: ParentSortNumber, Mentions: Mentions, AttachmentIds: AttachmentIds, Location: Location);
}

/// <summary>Send one of my messages again as a new one; <see cref="Priority"/> replaces the original's (apps raise it to high).</summary>
public sealed record ResendRequest(
    [property: Required, RegularExpression(Validate.IdPattern)] string ClientMessageId,
    MessagePriority? Priority = null);

/// <summary>My message's new body, and its new metadata when given (null keeps it, an empty array removes it).</summary>
public sealed record EditMessageRequest(
    [property: Required] string Body,
    IReadOnlyList<MessageMetadata>? Metadata = null);

/// <summary>Forward a message into another of my conversations of the same organization.</summary>
public sealed record ForwardRequest(
    [property: Required] string ToConversationId,
    [property: Required, RegularExpression(Validate.IdPattern)] string ClientMessageId);

/// <summary>A message that is not stored, for the members' devices connected now; <see cref="Type"/> is the app's name for it.</summary>
public sealed record CustomMessageRequest(
    [property: Required, RegularExpression(Validate.IdPattern)] string Type,
    [property: StringLength(Validate.MaxBodyBytes, MinimumLength = 1)] string? Body = null,
    [property: MaxLength(Validate.MaxMessageMetadataEntries)] IReadOnlyList<MessageMetadata>? Metadata = null)
{
    public CustomMessageCommand ToCommand(string senderId, string? sessionId) => new(senderId, Type, Body, Metadata, sessionId);
}

/// <summary>Send to a conversation named in the path, with the options of <see cref="SendMessageRequest"/>.</summary>
public sealed record SendToConversationRequest(
    [property: StringLength(Validate.MaxBodyBytes)] string? Body,
    [property: Required, RegularExpression(Validate.IdPattern)] string ClientMessageId,
    MessagePriority Priority = MessagePriority.Normal,
    [property: MaxLength(Validate.MaxMessageMetadataEntries)] IReadOnlyList<MessageMetadata>? Metadata = null,
    bool Silent = false,
    [property: Range(1, Validate.MaxTtlMinutes)] int? TtlMinutes = null,
    bool DeleteOnRead = false,
    [property: Range(1, long.MaxValue)] long? ParentSortNumber = null,
    [property: MaxLength(Validate.MaxMentions)] IReadOnlyList<string>? Mentions = null,
    [property: MaxLength(Validate.MaxAttachmentsPerMessage)] IReadOnlyList<string>? AttachmentIds = null,
    MessageLocation? Location = null)
{
    public SendMessageCommand ToCommand(string senderId, string? sessionId) =>
        new(senderId, Body ?? "", ClientMessageId, sessionId, Priority, Metadata, Silent, TtlMinutes: TtlMinutes, DeleteOnRead: DeleteOnRead,
            ParentSortNumber: ParentSortNumber, Mentions: Mentions, AttachmentIds: AttachmentIds, Location: Location);
}

/// <summary>
/// Create a group or forum; without an id the server picks one. With <see cref="FirstMessage"/>, the group's first
/// message is sent in the same call (after the creation, as the creator).
/// </summary>
public sealed record CreateGroupRequest(
    [property: RegularExpression(Validate.IdPattern)] string? Id,
    [property: Required, StringLength(Validate.MaxNameLength, MinimumLength = 1)] string Name,
    GroupType Type = GroupType.Group,
    [property: MaxLength(GroupLimits.MaxMembersPerCall)] IReadOnlyList<string>? MemberIds = null,
    [property: StringLength(Validate.MaxDescriptionLength)] string? Description = null,
    [property: StringLength(Validate.MaxUrlLength)] string? AvatarUrl = null,
    bool ReplayHistory = true,
    SendToConversationRequest? FirstMessage = null,
    [property: MaxLength(Validate.MaxGroupMetadataEntries)] IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>The new group, and its first message when one was sent with it.</summary>
public sealed record GroupCreated(GroupInfo Group, Message? FirstMessage);

/// <summary>Changes to a group; a field left out (null) keeps its value.</summary>
public sealed record UpdateGroupRequest(
    [property: StringLength(Validate.MaxNameLength, MinimumLength = 1)] string? Name,
    [property: StringLength(Validate.MaxDescriptionLength)] string? Description,
    [property: StringLength(Validate.MaxUrlLength)] string? AvatarUrl,
    bool? ReplayHistory,
    IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>Users of the organization to add.</summary>
public sealed record AddMembersRequest(
    [property: Required, MinLength(1), MaxLength(GroupLimits.MaxMembersPerCall)] IReadOnlyList<string> UserIds);

/// <summary>A member's new role: member, admin or owner (handing over ownership).</summary>
public sealed record SetRoleRequest([property: Required] GroupRole Role);

/// <summary>Mark every message up to and including <see cref="SortNumber"/> as read.</summary>
public sealed record MarkReadRequest([property: Range(0, long.MaxValue)] long SortNumber);

/// <summary>Changes to my profile (see <see cref="ProfileChanges"/>): what is left out stays.</summary>
public sealed record UpdateProfileRequest(
    string? DisplayName = null,
    string? FirstName = null,
    string? LastName = null,
    string? StatusText = null,
    string? AvatarUrl = null,
    string? Email = null,
    string? Phone = null,
    IReadOnlyDictionary<string, string>? PublicData = null,
    IReadOnlyDictionary<string, string>? PrivateData = null)
{
    public ProfileChanges ToChanges(string? sessionId) =>
        new(DisplayName, FirstName, LastName, StatusText, AvatarUrl, Email, Phone, PublicData, PrivateData, sessionId);
}

/// <summary>My read marker in a thread: the last reply I read.</summary>
public sealed record ThreadRead(long ReadSortNumber);

/// <summary>How many hub connections of a user one API host holds.</summary>
public sealed record UserConnectionCount(string UserId, int Count);

/// <summary>My chosen presence status: AVAILABLE, DND or UNAVAILABLE.</summary>
public sealed record SetPresenceRequest(PresenceStatus? Status);

/// <summary>Users to subscribe to (1 to 50).</summary>
public sealed record SubscribeRequest(IReadOnlyList<string>? UserIds);

/// <summary>A privacy list's entries.</summary>
public sealed record PrivacyListRequest(IReadOnlyList<PrivacyItem>? Items);

/// <summary>The privacy list to make active; null for none.</summary>
public sealed record ActivePrivacyListRequest(string? Name);
