using System.Globalization;
using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// What a message carries besides its text, the same in every kind of conversation: attachments (uploads of the
/// organization, see <see cref="IAttachmentGrain"/>) and a location, and the type they give the message. Before a message
/// with attachments is stored, each attachment records it as a holder and the conversation's attachment index
/// (<c>{id}#attachments</c>, keyed by sortNumber) lists it; both are idempotent, and a holder or an index entry whose
/// sortNumber ends up with another message is harmless, because readers check that the message carries the attachment.
/// A recalled or expired message releases its attachments; the last release deletes the bytes. A sender attaches uploads
/// of the organization they write from (<paramref name="organizationOf"/>: in a conversation across organizations, their own).
/// </summary>
internal sealed class MessageAttachments(IMessageLog log, IGrainFactory grains, string conversationId, Func<string, string> organizationOf)
{
    private readonly string _indexId = conversationId + "#attachments";

    /// <summary>
    /// The body (a caption, which may be empty, when the message carries attachments or a location), the attachments, the
    /// location and the type of a send. An attachment must be the sender's own upload to their organization, unless the
    /// send forwards a message the sender sees; any other id is <c>not-found</c>, as the download answers.
    /// </summary>
    public async Task<(string Body, MessageType Type, IReadOnlyList<MessageAttachment>? Attachments, MessageLocation? Location)> ResolveAsync(SendMessageCommand command)
    {
        var location = command.Location is { } l ? Validate.Location(l) : null;
        var ids = command.AttachmentIds ?? [];
        if (ids.Count > Validate.MaxAttachmentsPerMessage || ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            throw new InvalidArgumentException($"'attachmentIds' holds at most {Validate.MaxAttachmentsPerMessage} different ids.", "attachmentIds");
        }

        if (location is not null && ids.Count > 0)
        {
            throw new InvalidArgumentException("A message carries attachments or a location, not both.", "location");
        }

        var attachments = new List<MessageAttachment>(ids.Count);
        foreach (var id in ids)
        {
            var info = AttachmentId.IsValid(id) ? await InfoAsync(id) : null;
            if (info is null || info.OrganizationId != organizationOf(command.SenderId) || (command.Forwarded is null && info.UploaderId != command.SenderId))
            {
                throw AttachmentId.NotFound(id ?? "");
            }

            attachments.Add(info.ToMessageAttachment());
        }

        var body = (attachments.Count > 0 || location is not null) && string.IsNullOrWhiteSpace(command.Body) ? "" : Validate.Body(command.Body);
        var type = location is not null ? MessageType.Location
            : attachments.Count == 0 ? MessageType.Text
            : attachments.All(a => a.ContentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)) ? MessageType.Image
            : MessageType.File;
        return (body, type, attachments.Count == 0 ? null : attachments, location);
    }

    /// <summary>Before the message is stored: each attachment holds it, and the index lists it.</summary>
    public async Task HoldAsync(Message message)
    {
        if (message.Attachments is not { Count: > 0 } attachments)
        {
            return;
        }

        foreach (var attachment in attachments)
        {
            await grains.GetGrain<IAttachmentGrain>(attachment.Id).AttachAsync(message.SenderId, conversationId, message.SortNumber);
        }

        var key = message.SortNumber.ToString(CultureInfo.InvariantCulture);
        await log.AppendAsync(new LogEntry(_indexId, await log.GetLastSequenceAsync(_indexId) + 1, message.Id, key, message.SenderId, message.CreatedAt, key));
    }

    /// <summary>The message no longer carries its attachments (recalled, expired, or its send was not stored): they let it go.</summary>
    public async Task ReleaseAsync(Message message)
    {
        foreach (var attachment in message.Attachments ?? [])
        {
            await grains.GetGrain<IAttachmentGrain>(attachment.Id).ReleaseAsync(conversationId, message.SortNumber);
        }
    }

    /// <summary>
    /// The attachments of up to <see cref="AttachmentsQuery.Limit"/> messages the requester sees, newest message first, before the
    /// message <see cref="AttachmentsQuery.Before"/> (a sortNumber from an earlier page).
    /// </summary>
    public async Task<AttachmentPage> ReadAsync(IMessageChangeRules rules, AttachmentsQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var requesterId = Validate.Id(query.RequesterId, "requesterId");
        var sees = rules.SeenBy(requesterId);
        var shown = await rules.Changes.ShownToAsync(requesterId, rules.Now);
        var (before, limit) = (query.Before, Validate.Limit(query.Limit));
        var from = long.MaxValue;
        if (before is { } sortNumber)
        {
            from = (await log.FindByIdempotencyKeyAsync(_indexId, sortNumber.ToString(CultureInfo.InvariantCulture)))?.Sequence
                ?? throw new InvalidArgumentException("'before' is not a message with attachments here.", "before");
        }

        var items = new List<ConversationAttachment>();
        var messages = 0;
        while (true)
        {
            var entries = await log.ReadAsync(_indexId, from, LogDirection.Backward, limit + 1);
            foreach (var entry in entries)
            {
                var at = long.Parse(entry.Payload, CultureInfo.InvariantCulture);
                var message = sees(at) ? (await log.EntryAtAsync(conversationId, at))?.ToMessage() : null;
                if (message is not { Attachments.Count: > 0 } || !shown(message))
                {
                    continue;
                }

                if (messages++ == limit)
                {
                    return new AttachmentPage(items, HasMore: true);
                }

                items.AddRange(message.Attachments!.Select(a => new ConversationAttachment(a, message.SortNumber, message.SenderId, message.CreatedAt)));
            }

            if (entries.Count <= limit)
            {
                return new AttachmentPage(items, HasMore: false);
            }

            from = entries[^1].Sequence;
        }
    }

    private async Task<AttachmentInfo?> InfoAsync(string id)
    {
        try
        {
            return await grains.GetGrain<IAttachmentGrain>(id).GetAsync();
        }
        catch (NotFoundException)
        {
            return null;
        }
    }
}
