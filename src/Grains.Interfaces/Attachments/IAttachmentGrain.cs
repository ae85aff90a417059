using Orleans.Chat.Grains.Messages;
using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Attachments;

/// <summary>
/// The record of one uploaded file, keyed by its id (<see cref="AttachmentId"/>), whose bytes are the blob of the same
/// name. It knows the messages that hold it: the uploader attaches it to a message, forwards add more holders, and when
/// the last holder releases it the blob and the record are deleted. An upload nothing holds after
/// <c>Attachments:UnattachedLifetime</c> is deleted by a reminder.
/// </summary>
[Alias("chat.IAttachmentGrain")]
public interface IAttachmentGrain : IGrainWithStringKey
{
    /// <summary>Records an upload whose blob is written; <c>conflict</c> if the record exists.</summary>
    ValueTask<AttachmentInfo> CreateAsync(CreateAttachmentCommand command);

    /// <summary><c>not-found</c> if there is no such attachment.</summary>
    [ReadOnly]
    ValueTask<AttachmentInfo> GetAsync();

    /// <summary>The messages that hold the attachment (none while it is unattached); <c>not-found</c> if there is no such attachment.</summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<AttachmentHolder>> GetHoldersAsync();

    /// <summary>
    /// Adds the message at <paramref name="sortNumber"/> of the conversation to the holders (again: no change) and returns
    /// the attachment. While nothing holds it, only its uploader may attach it (<c>permission-denied</c> for anyone
    /// else); once held, the conversation of a forward adds its message for <paramref name="userId"/>, having checked that
    /// the user sees the attachment. The conversation must be of the attachment's organization (<c>invalid-argument</c>);
    /// across organizations, the one <paramref name="userId"/> writes from.
    /// </summary>
    ValueTask<AttachmentInfo> AttachAsync(string userId, string conversationId, long sortNumber);

    /// <summary>
    /// Removes a holder (its message was recalled or expired); releasing one that is not a holder, or an attachment that is
    /// gone, changes nothing. When the last holder goes, the blob and the record are deleted.
    /// </summary>
    ValueTask ReleaseAsync(string conversationId, long sortNumber);
}

/// <summary>An upload of <see cref="UploaderId"/> to the organization; <see cref="Width"/> and <see cref="Height"/> are an image's or a video's, in pixels.</summary>
[GenerateSerializer, Immutable, Alias("chat.CreateAttachmentCommand")]
public sealed record CreateAttachmentCommand(
    [Id(0)] string OrganizationId,
    [Id(1)] string UploaderId,
    [Id(2)] string FileName,
    [Id(3)] string ContentType,
    [Id(4)] long Size,
    [Id(5)] int? Width = null,
    [Id(6)] int? Height = null);

/// <summary>An attachment as the API shows it; <see cref="ToMessageAttachment"/> is what a message carries of it.</summary>
[GenerateSerializer, Immutable, Alias("chat.AttachmentInfo")]
public sealed record AttachmentInfo(
    [Id(0)] string Id,
    [Id(1)] string OrganizationId,
    [Id(2)] string UploaderId,
    [Id(3)] string FileName,
    [Id(4)] string ContentType,
    [Id(5)] long Size,
    [Id(6)] int? Width,
    [Id(7)] int? Height,
    [Id(8)] DateTimeOffset CreatedAt)
{
    public MessageAttachment ToMessageAttachment() => new(Id, FileName, ContentType, Size, Width, Height);
}

/// <summary>A message that holds an attachment: its conversation and its sortNumber there.</summary>
[GenerateSerializer, Immutable, Alias("chat.AttachmentHolder")]
public sealed record AttachmentHolder([Id(0)] string ConversationId, [Id(1)] long SortNumber);

/// <summary>Attachments of a conversation's messages before the message <see cref="Before"/> (a sortNumber), newest first.</summary>
[GenerateSerializer, Immutable, Alias("chat.AttachmentsQuery")]
public sealed record AttachmentsQuery([Id(0)] string RequesterId, [Id(1)] long? Before = null, [Id(2)] int? Limit = null);

/// <summary>An attachment of a conversation, with the message that carries it.</summary>
[GenerateSerializer, Immutable, Alias("chat.ConversationAttachment")]
public sealed record ConversationAttachment(
    [Id(0)] MessageAttachment Attachment,
    [Id(1)] long SortNumber,
    [Id(2)] string SenderId,
    [Id(3)] DateTimeOffset SentAt);

/// <summary>A page of a conversation's attachments; pass the last item's sortNumber as <c>before</c> for the next.</summary>
[GenerateSerializer, Immutable, Alias("chat.AttachmentPage")]
public sealed record AttachmentPage([Id(0)] IReadOnlyList<ConversationAttachment> Items, [Id(1)] bool HasMore);
