using Orleans.Chat.Grains.Messages;
using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A 1-1 conversation, within one organization or across two (see <see cref="ConversationKey"/>), keyed by
/// <see cref="ConversationKey.ToGrainKey"/>: a message goes from one member to the other.
/// </summary>
[Alias("chat.IConversationGrain")]
public interface IConversationGrain : IChatConversation
{
    /// <summary>
    /// Forgets what it learned of its members (names, and whether one blocks the other), so that the next call asks them
    /// again: a member calls it after their privacy list changed. Interleaves: that member's grain may be what this
    /// conversation is waiting for.
    /// </summary>
    [AlwaysInterleave]
    ValueTask ForgetMembersAsync();
}

/// <summary>
/// Send <see cref="Body"/> as <see cref="SenderId"/>; <see cref="OriginSessionId"/> is the sending device's session.
/// <see cref="TtlMinutes"/> (capped by the organization's maximum) and <see cref="DeleteOnRead"/> make the message go by
/// itself, for everyone. <see cref="ParentSortNumber"/> makes it a reply in that message's thread; <see cref="Mentions"/>
/// names members it mentions besides the <c>@userId</c>s of the body. <see cref="AttachmentIds"/> (the sender's uploads)
/// or <see cref="Location"/> make it an image, file or location message, whose body is an optional caption.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.SendMessageCommand")]
public sealed record SendMessageCommand(
    [Id(0)] string SenderId,
    [Id(1)] string Body,
    [Id(2)] string ClientMessageId,
    [Id(3)] string? OriginSessionId = null,
    [Id(4)] MessagePriority Priority = MessagePriority.Normal,
    [Id(5)] IReadOnlyList<MessageMetadata>? Metadata = null,
    [Id(6)] bool Silent = false,
    [Id(7)] ForwardedFrom? Forwarded = null,
    [Id(8)] int? TtlMinutes = null,
    [Id(9)] bool DeleteOnRead = false,
    [Id(10)] long? ParentSortNumber = null,
    [Id(11)] IReadOnlyList<string>? Mentions = null,
    [Id(12)] IReadOnlyList<string>? AttachmentIds = null,
    [Id(13)] MessageLocation? Location = null);

/// <summary>
/// Sends one of my messages again as a new message (same body, metadata and silence), with
/// <see cref="Priority"/> if given (apps raise it to high), or the original's.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.ResendCommand")]
public sealed record ResendCommand(
    [Id(0)] string SenderId,
    [Id(1)] long SortNumber,
    [Id(2)] string ClientMessageId,
    [Id(3)] string? OriginSessionId = null,
    [Id(4)] MessagePriority? Priority = null);

/// <summary>Sends a message I can see into another conversation of the same organization that I am in.</summary>
[GenerateSerializer, Immutable, Alias("chat.ForwardCommand")]
public sealed record ForwardCommand(
    [Id(0)] string SenderId,
    [Id(1)] long SortNumber,
    [Id(2)] string ToConversationId,
    [Id(3)] string ClientMessageId,
    [Id(4)] string? OriginSessionId = null);

/// <summary>The stored message; <see cref="Created"/> is false when the send was a retry of an earlier one.</summary>
[GenerateSerializer, Immutable, Alias("chat.SendMessageResult")]
public sealed record SendMessageResult([Id(0)] Message Message, [Id(1)] bool Created);
