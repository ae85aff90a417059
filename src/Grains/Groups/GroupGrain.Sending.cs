using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Groups;

/// <summary>Sending to the group: a message (with what it carries and what goes with it), a resend, a forward's preparation.</summary>
public sealed partial class GroupGrain
{
    public async ValueTask<SendMessageResult> SendAsync(SendMessageCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var senderId = Validate.Id(command.SenderId, "senderId");
        var clientMessageId = Validate.Id(command.ClientMessageId, "clientMessageId");
        var origin = Validate.OptionalText(command.OriginSessionId, "originSessionId", Validate.MaxIdLength);
        var priority = Validate.Priority(command.Priority);
        var metadata = Validate.MessageMetadata(command.Metadata);
        var sender = Member(senderId);
        var (body, type, attachments, location) = await _attachments.ResolveAsync(command);
        var mentions = Mentions.Resolve(body, command.Mentions, senderId, IsAudience);
        if (command.ParentSortNumber is { } parentSortNumber)
        {
            MessageThreads.EnsureRepliable(await GetMessageAsync(senderId, parentSortNumber));
        }

        if (sender.Role == GroupRole.Member && !sender.Permissions.MaySend)
        {
            throw new PermissionDeniedException("You may not send messages in this group.");
        }

        await AppendPendingMembershipAsync(CancellationToken.None);
        var now = timeProvider.GetUtcNow();
        var expiresAt = await MessageRemovals.ExpiresAtAsync(grains, _key.OrganizationId, command.TtlMinutes, now);
        var message = new Message(Guid.CreateVersion7(now).ToString("N"), _id, _key.OrganizationId, _lastSortNumber + 1, senderId, null, body, clientMessageId, now, Priority: priority, Metadata: metadata, Silent: command.Silent, Forwarded: command.Forwarded, ExpiresAt: expiresAt, DeleteOnRead: command.DeleteOnRead, ParentSortNumber: command.ParentSortNumber, Mentions: mentions, Type: type, Attachments: attachments, Location: location);
        await SendBookkeeping.BeforeAppendAsync(message, _removals, _attachments, m => S.Members.GetValueOrDefault(m)?.Mentions, WriteStateAsync);
        var stored = await messageLog.AppendAsync(message.ToLogEntry(idempotencyKey: senderId + ":" + clientMessageId));
        if (!string.Equals(stored.EntryId, message.Id, StringComparison.Ordinal))
        {
            // A retry of a send stored earlier, maybe by a previous activation (see ConversationGrain.SendAsync).
            var earlier = stored.ToMessage();
            if (earlier.SortNumber > _lastSortNumber)
            {
                DeactivateOnIdle();
            }

            await SendBookkeeping.UndoAsync(message, _attachments, S.Members.Values.Select(m => m.Mentions), WriteStateAsync);
            await _changes.Search.SentAsync(earlier);
            await SendToRecipientsAsync(earlier, origin);
            await PublishMessageAsync(senderId, new MessageSent(earlier, origin));
            return new SendMessageResult(earlier, Created: false);
        }

        Appended(message);
        if (message.ParentSortNumber is not null)
        {
            await _threads.RecordAsync(message);
        }

        await _changes.Search.SentAsync(message);
        LogMessageStored(logger, _id, message.SortNumber, senderId);
        await SendToRecipientsAsync(message, origin);
        await PublishMessageAsync(senderId, new MessageSent(message, origin));
        return new SendMessageResult(message, Created: true);
    }

    public async ValueTask<SendMessageResult> ResendAsync(ResendCommand command) =>
        await MessageCopies.ResendAsync(command, GetHistoryAsync, SendAsync);

    public async ValueTask<SendMessageCommand> PrepareForwardAsync(ForwardCommand command) =>
        await MessageCopies.PrepareForwardAsync(command, GetHistoryAsync, _key.OrganizationId);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Group {GroupId} stored message {SortNumber} from {SenderId}")]
    private static partial void LogMessageStored(ILogger logger, string groupId, long sortNumber, string senderId);
}
