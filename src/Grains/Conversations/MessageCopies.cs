using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>Resend and forward: new messages made from one the requester can see, the same in every kind of conversation.</summary>
internal static class MessageCopies
{
    /// <summary>Sends one of the requester's messages again, through the conversation's own history and send.</summary>
    public static async Task<SendMessageResult> ResendAsync(
        ResendCommand command, Func<HistoryQuery, ValueTask<MessagePage>> history, Func<SendMessageCommand, ValueTask<SendMessageResult>> send)
    {
        ArgumentNullException.ThrowIfNull(command);
        var original = await VisibleAsync(history, command.SenderId, command.SortNumber);
        return await send(Resend(command, original));
    }

    /// <summary>
    /// The send that forwards a message the requester sees in this conversation (of <paramref name="organizationId"/>;
    /// null for a conversation across organizations, from which nothing is forwarded).
    /// </summary>
    public static async Task<SendMessageCommand> PrepareForwardAsync(ForwardCommand command, Func<HistoryQuery, ValueTask<MessagePage>> history, string? organizationId)
    {
        ArgumentNullException.ThrowIfNull(command);
        var original = await VisibleAsync(history, command.SenderId, command.SortNumber);
        return Forward(command, original, organizationId);
    }

    /// <summary>The message at <paramref name="sortNumber"/> as the requester's history shows it; <c>not-found</c> if it does not.</summary>
    public static async Task<Message> VisibleAsync(Func<HistoryQuery, ValueTask<MessagePage>> history, string requesterId, long sortNumber)
    {
        Validate.Id(requesterId, "senderId");
        Validate.SortNumber(sortNumber, "sortNumber");
        var page = await history(new HistoryQuery(requesterId, Before: sortNumber + 1, After: sortNumber - 1, Limit: 1));
        return page.Messages.SingleOrDefault() ?? throw new NotFoundException($"Message {sortNumber} does not exist here.");
    }

    private static SendMessageCommand Resend(ResendCommand command, Message original)
    {
        if (!string.Equals(original.SenderId, command.SenderId, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException("Only its sender resends a message.");
        }

        // An ephemeral message stays ephemeral: the same time to live (counted afresh) and delete on read.
        var ttlMinutes = original.ExpiresAt is { } expiresAt ? (int)Math.Ceiling((expiresAt - original.CreatedAt).TotalMinutes) : (int?)null;
        return Copy(original, command.SenderId, command.ClientMessageId, command.OriginSessionId) with
        {
            Priority = command.Priority ?? original.Priority,
            Forwarded = original.Forwarded,
            TtlMinutes = ttlMinutes,
            DeleteOnRead = original.DeleteOnRead,
        };
    }

    private static SendMessageCommand Forward(ForwardCommand command, Message original, string? organizationId)
    {
        var targetOrganization = ConversationKey.TryParse(command.ToConversationId, out var direct) ? direct.OrganizationId
            : GroupKey.TryParse(command.ToConversationId, out var group) ? group.OrganizationId
            : throw new InvalidArgumentException("'toConversationId' is not a conversation id.", "toConversationId");

        // Nothing leaves its organization: a member of two may not carry one's messages into the other. A conversation
        // across organizations (no organization of its own, null) holds what its two members say to each other only:
        // nothing is forwarded into it or out of it.
        if (organizationId is null || !string.Equals(targetOrganization, organizationId, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException("A message is forwarded only within its organization, never into or out of a conversation across organizations.");
        }

        // An ephemeral message would outlive itself as a copy elsewhere.
        if (original.ExpiresAt is not null || original.DeleteOnRead)
        {
            throw new PermissionDeniedException("A message with a time to live or deleted on read is not forwarded.");
        }

        return Copy(original, command.SenderId, command.ClientMessageId, command.OriginSessionId) with
        {
            Forwarded = original.Forwarded ?? new ForwardedFrom(original.ConversationId, original.Id, original.SenderId, original.CreatedAt),
        };
    }

    /// <summary>The same content: body, metadata, silence, attachments (the target conversation holds them too) and location.</summary>
    private static SendMessageCommand Copy(Message original, string senderId, string clientMessageId, string? originSessionId) =>
        MessageRevisions.IsFromMember(original) && original.Recalled is null
            ? new SendMessageCommand(senderId, original.Body, clientMessageId, originSessionId, original.Priority, original.Metadata, original.Silent)
            {
                AttachmentIds = original.Attachments?.Select(a => a.Id).ToList(),
                Location = original.Location,
            }
            : throw new InvalidArgumentException("Only members' messages that were not recalled are resent or forwarded.", "sortNumber");
}
