using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Groups;

/// <summary>A distribution list's sends: each recipient gets the message 1-1 from the sender.</summary>
public sealed partial class GroupGrain
{
    /// <summary>How many 1-1 sends of one distribution list message are in flight at once.</summary>
    private const int RecipientSendConcurrency = 100;

    /// <summary>
    /// Sends a distribution list's message to every other member as a 1-1 message from its sender, before the send is
    /// acknowledged. Each 1-1 send is idempotent by an id derived from the list's message, so the sender's retry (same
    /// client message id, so the same stored message) finishes a fan-out that a crash cut short without doubling any.
    /// </summary>
    private async Task SendToRecipientsAsync(Message message, string? origin)
    {
        if (S.Type != GroupType.DistributionList)
        {
            return;
        }

        var recipients = S.Members.Where(m => m.Value.IsMember && !string.Equals(m.Key, message.SenderId, StringComparison.Ordinal)).Select(m => m.Key).ToList();
        var clientMessageId = "list." + message.Id;
        foreach (var chunk in recipients.Chunk(RecipientSendConcurrency))
        {
            await Task.WhenAll(chunk.Select(recipientId => grains
                .GetGrain<IConversationGrain>(ConversationKey.For(_key.OrganizationId, message.SenderId, recipientId).ToGrainKey())
                .SendAsync(new SendMessageCommand(message.SenderId, message.Body, clientMessageId, origin, message.Priority, message.Metadata, message.Silent, message.Forwarded))
                .AsTask()));
        }
    }
}
