using System.Text.Json.Serialization;
namespace Orleans.Chat.Grains.Messages;

/// <summary>
/// A stored message. <see cref="SortNumber"/> is its position in the conversation: strictly increasing, no gaps.
/// <see cref="Silent"/> messages are delivered and counted like any other but never raise a push notification.
/// <see cref="RecipientId"/> is the other member in a 1-1 conversation and null in a group, whose membership changes
/// are messages too (<see cref="MessageType.GroupMembershipChange"/>, with <see cref="Membership"/>). A message changes
/// after it is sent (see <see cref="MessageChange"/>): <see cref="EditedAt"/>, <see cref="Recalled"/> (a tombstone: body,
/// metadata and attachments erased), <see cref="Reactions"/>, <see cref="Pinned"/>; <see cref="ChangeNumber"/> is the last
/// change that touched it (0 for none). <see cref="ExpiresAt"/> (a time to live) and <see cref="DeleteOnRead"/> make it go
/// by itself, for everyone (see <see cref="MessageRemoval"/>). A reply names its <see cref="ParentSortNumber"/>; a parent
/// carries its <see cref="Thread"/>. <see cref="Mentions"/> are the members it mentions (<c>@userId</c> in the body, or
/// named by the sender). <see cref="OrganizationId"/> is the conversation's; across organizations, the sender's (whose
/// rules it was sent under). This record is also the payload persisted in the message log, so never rename a
/// property without a migration.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.Message")]
public sealed record Message(
    [Id(0)] string Id,
    [Id(1)] string ConversationId,
    [Id(2)] string OrganizationId,
    [Id(3)] long SortNumber,
    [Id(4)] string SenderId,
    [Id(5)] string? RecipientId,
    [Id(6)] string Body,
    [Id(7)] string ClientMessageId,
    [Id(8)] DateTimeOffset CreatedAt,
    [Id(9)] MessageType Type = MessageType.Text,
    [Id(10)] MembershipChange? Membership = null,
    [Id(11)] MessagePriority Priority = MessagePriority.Normal,
    [Id(12)] IReadOnlyList<MessageMetadata>? Metadata = null,
    [Id(13)] bool Silent = false,
    [Id(14)] ForwardedFrom? Forwarded = null,
    [Id(15)] IReadOnlyList<MessageAttachment>? Attachments = null,
    [Id(16)] DateTimeOffset? EditedAt = null,
    [Id(17)] MessageRecall? Recalled = null,
    [Id(18)] IReadOnlyList<MessageReaction>? Reactions = null,
    [Id(19)] MessagePin? Pinned = null,
    [Id(20)] long ChangeNumber = 0,
    [Id(21)] DateTimeOffset? ExpiresAt = null,
    [Id(22)] bool DeleteOnRead = false,
    [Id(23)] MessageRemoval? Removed = null,
    [Id(24)] long? ParentSortNumber = null,
    [Id(25)] MessageThread? Thread = null,
    [Id(26)] IReadOnlyList<string>? Mentions = null,
    [Id(27)] MessageLocation? Location = null);

/// <summary>Where a location message points: latitude and longitude in degrees (WGS 84).</summary>
[GenerateSerializer, Immutable, Alias("chat.MessageLocation")]
public sealed record MessageLocation([Id(0)] double Latitude, [Id(1)] double Longitude);

/// <summary>
/// The replies to a message: how many, and the last one. Replies are messages of the conversation that name their parent
/// (<see cref="Message.ParentSortNumber"/>); they do not count in the conversation's unread count.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.MessageThread")]
public sealed record MessageThread(
    [Id(0)] int ReplyCount,
    [Id(1)] long LastReplySortNumber,
    [Id(2)] string LastReplySenderId,
    [Id(3)] DateTimeOffset LastReplyAt);

/// <summary>
/// Why a message went by itself: its time to live ran out, or it was deleted on read. Its entry stays in the log with
/// everything it said erased; no history, count or catch-up shows it.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.MessageRemoval")]
public sealed record MessageRemoval([Id(0)] MessageChangeKind Reason, [Id(1)] DateTimeOffset At);

/// <summary>
/// A file uploaded to the organization (<c>POST /v1/organizations/{id}/attachments</c>) and carried by a message: whoever
/// can see the message may download it. <see cref="Width"/> and <see cref="Height"/> are an image's or a video's, in pixels.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.MessageAttachment")]
public sealed record MessageAttachment(
    [Id(0)] string Id,
    [Id(1)] string FileName,
    [Id(2)] string ContentType,
    [Id(3)] long Size,
    [Id(4)] int? Width = null,
    [Id(5)] int? Height = null);

/// <summary>Where a forwarded message first came from: its conversation, id, sender and time (kept through re-forwards).</summary>
[GenerateSerializer, Immutable, Alias("chat.ForwardedFrom")]
public sealed record ForwardedFrom(
    [Id(0)] string ConversationId,
    [Id(1)] string MessageId,
    [Id(2)] string SenderId,
    [Id(3)] DateTimeOffset SentAt);

/// <summary>
/// One entry of a message's metadata, for apps to carry what the body does not (a card, a reply's quote, a bot's
/// payload): <see cref="Namespace"/> (an id, once per message) says whose it is, <see cref="MimeType"/> how to read
/// <see cref="Payload"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.MessageMetadata")]
public sealed record MessageMetadata(
    [Id(0)] string Namespace,
    [Id(1)] string MimeType,
    [Id(2)] string Payload);

/// <summary>How urgent a message is: a high one counts in its recipients' priority unread counters as well.</summary>
[GenerateSerializer, Alias("chat.MessagePriority")]
public enum MessagePriority
{
    [JsonStringEnumMemberName("low")]
    Low,

    [JsonStringEnumMemberName("normal")]
    Normal,

    [JsonStringEnumMemberName("high")]
    High,
}

[GenerateSerializer, Alias("chat.MessageType")]
public enum MessageType
{
    [JsonStringEnumMemberName("text")]
    Text,

    /// <summary>Members were added to or removed from a group, or joined or left it (SDKs call it GROUP_MEMBERSHIP_CHANGE).</summary>
    [JsonStringEnumMemberName("groupMembershipChange")]
    GroupMembershipChange,

    /// <summary>Carries images only (<see cref="Message.Attachments"/> with their width and height); the body is a caption.</summary>
    [JsonStringEnumMemberName("image")]
    Image,

    /// <summary>Carries files (<see cref="Message.Attachments"/>); the body is a caption.</summary>
    [JsonStringEnumMemberName("file")]
    File,

    /// <summary>Points at a place (<see cref="Message.Location"/>); the body is a caption.</summary>
    [JsonStringEnumMemberName("location")]
    Location,
}

/// <summary>Who changed a group's membership, how, and whom it concerns.</summary>
[GenerateSerializer, Immutable, Alias("chat.MembershipChange")]
public sealed record MembershipChange(
    [Id(0)] MembershipAction Action,
    [Id(1)] string ActorId,
    [Id(2)] IReadOnlyList<string> UserIds);

[GenerateSerializer, Alias("chat.MembershipAction")]
public enum MembershipAction
{
    [JsonStringEnumMemberName("add")]
    Add,

    [JsonStringEnumMemberName("remove")]
    Remove,

    [JsonStringEnumMemberName("join")]
    Join,

    [JsonStringEnumMemberName("leave")]
    Leave,
}
