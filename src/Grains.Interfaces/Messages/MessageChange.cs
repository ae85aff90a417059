using System.Text.Json.Serialization;

namespace Orleans.Chat.Grains.Messages;

/// <summary>What happened to a stored message.</summary>
[GenerateSerializer, Alias("chat.MessageChangeKind")]
public enum MessageChangeKind
{
    /// <summary>Its sender changed the body (or the metadata).</summary>
    [JsonStringEnumMemberName("edited")]
    Edited,

    /// <summary>Its sender or a group admin recalled it for everyone: the body is erased, the sortNumber stays (a tombstone).</summary>
    [JsonStringEnumMemberName("recalled")]
    Recalled,

    /// <summary>A member deleted it for themselves: gone from their history only (nobody else hears of it).</summary>
    [JsonStringEnumMemberName("deletedForMe")]
    DeletedForMe,

    [JsonStringEnumMemberName("pinned")]
    Pinned,

    [JsonStringEnumMemberName("unpinned")]
    Unpinned,

    [JsonStringEnumMemberName("reactionAdded")]
    ReactionAdded,

    [JsonStringEnumMemberName("reactionRemoved")]
    ReactionRemoved,

    /// <summary>Its time to live ran out: gone for everyone.</summary>
    [JsonStringEnumMemberName("expired")]
    Expired,

    /// <summary>It was to be deleted on read, and its recipients (in a group, every member) read it: gone for everyone.</summary>
    [JsonStringEnumMemberName("deletedOnRead")]
    DeletedOnRead,
}

/// <summary>
/// One change of a stored message, in the conversation's order of changes: <see cref="ChangeNumber"/> is 1, 2, 3, ...
/// per conversation, so a device that was offline asks for the changes after the last number it saw
/// (<c>GET /v1/conversations/{id}/changes?after=</c>). <see cref="Message"/> is the message as it is now, after this
/// change and any later one (a recalled message's body is erased, so no change keeps an old one); null when it is gone
/// for the member it goes to (deleted for them, expired, deleted on read). <see cref="Emoji"/> is a reaction's.
/// <see cref="OrganizationId"/> is the organization of the member who made the change (<see cref="ActorId"/>; for a
/// message gone by itself, its sender), the same for both members across organizations.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.MessageChange")]
public sealed record MessageChange(
    [Id(0)] string ConversationId,
    [Id(1)] string OrganizationId,
    [Id(2)] long ChangeNumber,
    [Id(3)] MessageChangeKind Kind,
    [Id(4)] long SortNumber,
    [Id(5)] string ActorId,
    [Id(6)] DateTimeOffset At,
    [Id(7)] Message? Message = null,
    [Id(8)] string? Emoji = null);

/// <summary>The changes after <see cref="After"/> (a change number) that the requester may see, oldest first.</summary>
[GenerateSerializer, Immutable, Alias("chat.ChangesQuery")]
public sealed record ChangesQuery([Id(0)] string RequesterId, [Id(1)] long After = 0, [Id(2)] int? Limit = null);

/// <summary>
/// A page of changes, oldest first. <see cref="Next"/> is the <c>after</c> of the next page: the last change number
/// looked at, which may be past the last one shown (changes the requester may not see are skipped, not counted).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.ChangePage")]
public sealed record ChangePage([Id(0)] IReadOnlyList<MessageChange> Changes, [Id(1)] long Next, [Id(2)] bool HasMore);

/// <summary>The sender replaces a message's body, and its metadata when <see cref="Metadata"/> is given (empty removes it).</summary>
[GenerateSerializer, Immutable, Alias("chat.EditMessageCommand")]
public sealed record EditMessageCommand(
    [Id(0)] string SenderId,
    [Id(1)] long SortNumber,
    [Id(2)] string Body,
    [Id(3)] IReadOnlyList<MessageMetadata>? Metadata = null);

/// <summary>Who reacted to a message with one emoji, in the order they did.</summary>
[GenerateSerializer, Immutable, Alias("chat.MessageReaction")]
public sealed record MessageReaction([Id(0)] string Emoji, [Id(1)] IReadOnlyList<string> UserIds)
{
    public int Count => UserIds.Count;
}

/// <summary>Who recalled a message, and when.</summary>
[GenerateSerializer, Immutable, Alias("chat.MessageRecall")]
public sealed record MessageRecall([Id(0)] string ByUserId, [Id(1)] DateTimeOffset At);

/// <summary>Who pinned a message, and when.</summary>
[GenerateSerializer, Immutable, Alias("chat.MessagePin")]
public sealed record MessagePin([Id(0)] string ByUserId, [Id(1)] DateTimeOffset At);
