using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Text;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// Keeps a conversation's text messages in the store's search index (<see cref="IMessageSearch"/>): a send indexes the
/// body, an edit indexes it again, a recall, an expiry or a delete on read removes it. Written by the grain right after
/// the log's commit, not in the same transaction (the log's group commit knows nothing of message bodies). What a crash
/// between the two leaves: a send is not acknowledged until both are done, so its retry (the same client message id)
/// finds the stored message and indexes it; a change the next activation finishes is indexed then. A change whose
/// revise was stored but whose index write was not leaves the index behind: a recalled or expired text stays in it but
/// is never shown, since every hit is checked against the message as it is now
/// (<see cref="IChatConversation.GetVisibleAsync"/>, <see cref="MessageSearchText.Matches"/>); an edit's new words are
/// not found until the message is edited again. Silenced
/// senders, deletes for me and history windows are the reader's, so they are applied when a search reads, not here.
/// </summary>
internal sealed class MessageSearchIndex(IMessageSearch? search)
{
    /// <summary>After a send was stored (or found stored, for a retry): indexes a text message that is still live.</summary>
    public async Task SentAsync(Message message)
    {
        if (search is { IsSupported: true } && Indexed(message))
        {
            await search.IndexAsync(message.ConversationId, message.SortNumber, MessageSearchText.Document(message.Body));
        }
    }

    /// <summary>After a change of <paramref name="message"/> was stored: an edit indexes the new body, a removal forgets it.</summary>
    public async Task ChangedAsync(Message message, MessageChangeKind kind)
    {
        if (search is not { IsSupported: true })
        {
            return;
        }

        if (kind == MessageChangeKind.Edited && Indexed(message))
        {
            await search.IndexAsync(message.ConversationId, message.SortNumber, MessageSearchText.Document(message.Body));
        }
        else if (kind is MessageChangeKind.Recalled or MessageChangeKind.Expired or MessageChangeKind.DeletedOnRead)
        {
            await search.RemoveAsync(message.ConversationId, message.SortNumber);
        }
    }

    // Text messages only: not images, files or locations (whose body is a caption), not a group's membership changes.
    private static bool Indexed(Message message) =>
        message.Type == MessageType.Text && !MessageRevisions.IsGone(message) && message.Body.Length > 0;
}
