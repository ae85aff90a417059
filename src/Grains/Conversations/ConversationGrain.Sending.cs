using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Microsoft.Extensions.Logging;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>Sending: a message (with what it carries and what goes with it), a resend, a forward's preparation, a custom message.</summary>
public sealed partial class ConversationGrain
{
    public async ValueTask<SendMessageResult> SendAsync(SendMessageCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var sender = Validate.Id(command.SenderId, "senderId");
        var recipient = CounterpartyOf(sender);
        var clientMessageId = Validate.Id(command.ClientMessageId, "clientMessageId");
        var origin = Validate.OptionalText(command.OriginSessionId, "originSessionId", Validate.MaxIdLength);
        var priority = Validate.Priority(command.Priority);
        var metadata = Validate.MessageMetadata(command.Metadata);
        var (body, type, attachments, location) = await _attachments.ResolveAsync(command);
        await EnsureMaySendAsync();
        EnsureNotSilenced(recipient);
        var mentions = Mentions.Resolve(body, command.Mentions, sender, _key.Contains);
        if (command.ParentSortNumber is { } parentSortNumber)
        {
            MessageThreads.EnsureRepliable(await GetMessageAsync(sender, parentSortNumber));
        }

        // Client message ids are the sender's own: two members may pick the same one without colliding.
        var idempotencyKey = sender + ":" + clientMessageId;
        var now = timeProvider.GetUtcNow();
        var sortNumber = _lastSortNumber + 1;
        // Across organizations, a message is its sender's organization's: its rules cap the time to live.
        var organizationId = _key.OrganizationOf(sender);
        var expiresAt = await MessageRemovals.ExpiresAtAsync(grains, organizationId, command.TtlMinutes, now);
        var message = new Message(Guid.CreateVersion7(now).ToString("N"), _id, organizationId, sortNumber, sender, recipient, body, clientMessageId, now, Priority: priority, Metadata: metadata, Silent: command.Silent, Forwarded: command.Forwarded, ExpiresAt: expiresAt, DeleteOnRead: command.DeleteOnRead, ParentSortNumber: command.ParentSortNumber, Mentions: mentions, Type: type, Attachments: attachments, Location: location);
        await SendBookkeeping.BeforeAppendAsync(message, _removals, _attachments, m => S.Members.GetValueOrDefault(m)?.Mentions, () => WriteStateAsync().AsTask());
        var entry = message.ToLogEntry(idempotencyKey);
        var stored = await messageLog.AppendAsync(entry);
        if (!string.Equals(stored.EntryId, entry.EntryId, StringComparison.Ordinal))
        {
            // A retry of a send that was stored earlier (maybe by a previous activation): the log kept the first one.
            var earlier = stored.ToMessage();
            if (earlier.SortNumber > _lastSortNumber)
            {
                // The log is ahead of this activation (the first attempt was stored, but its answer never came back):
                // start over from the log, or the next send would take a sortNumber that is already used.
                DeactivateOnIdle();
            }

            await SendBookkeeping.UndoAsync(message, _attachments, S.Members.Values.Select(m => m.Mentions), () => WriteStateAsync().AsTask());
            await _changes.Search.SentAsync(earlier);
            await PushAsync(sender, new MessageSent(earlier, origin), read: null);
            return new SendMessageResult(earlier, Created: false);
        }

        // No state write: the log entry is the whole record of a send (see OnActivateAsync).
        _lastSortNumber = sortNumber;
        _lastMessage = message;
        _updatedAt = now;
        if (entry.Counted)
        {
            _unread[recipient] = _unread.GetValueOrDefault(recipient) + LogCount.One(entry.HighPriority);
        }

        if (message.ParentSortNumber is not null)
        {
            await _threads.RecordAsync(message);
        }

        await _changes.Search.SentAsync(message);
        LogMessageStored(logger, _id, sortNumber, sender);

        // Before returning: the sender's roster has it. The recipient's follows in the background, in order.
        await PushAsync(sender, new MessageSent(message, origin), read: null);
        return new SendMessageResult(message, Created: true);
    }

    public async ValueTask<SendMessageResult> ResendAsync(ResendCommand command) =>
        await MessageCopies.ResendAsync(command, GetHistoryAsync, SendAsync);

    public async ValueTask<SendMessageCommand> PrepareForwardAsync(ForwardCommand command) =>
        await MessageCopies.PrepareForwardAsync(command, GetHistoryAsync, _key.OrganizationId);

    public async ValueTask<CustomMessage> SendCustomAsync(CustomMessageCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var recipient = CounterpartyOf(Validate.Id(command.SenderId, "senderId"));
        var custom = CustomMessages.Create(command, _id, _key.OrganizationOf(command.SenderId), timeProvider.GetUtcNow());
        await EnsureMaySendAsync();
        EnsureNotSilenced(recipient);
        var sent = new CustomMessageSent(custom, command.OriginSessionId);
        foreach (var member in new[] { _key.FirstUserId, _key.SecondUserId })
        {
            await grains.GetGrain<IUserGrain>(member).DeliverCustomAsync(sent);
        }

        return custom;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Conversation {ConversationId} stored message {SortNumber} from {SenderId}")]
    private static partial void LogMessageStored(ILogger logger, string conversationId, long sortNumber, string senderId);
}
