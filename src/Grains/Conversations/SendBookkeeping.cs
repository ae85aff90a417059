using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// What a send records besides the message, the same in every kind of conversation: before the append, its removal
/// (time to live, delete on read) and its mentions in the grain state, stored at once when there are any (so no crash
/// leaves them untracked), and its attachments held; after an append that turned out to be a retry of an earlier send,
/// this attempt's mentions and holds undone, since they name a sortNumber the next send takes.
/// </summary>
internal static class SendBookkeeping
{
    public static async Task BeforeAppendAsync(
        Message message, MessageRemovals removals, MessageAttachments attachments, Func<string, List<long>?> mentionsOf, Func<Task> storeState)
    {
        if (await removals.TrackAsync(message) | Mentions.Track(message, mentionsOf))
        {
            await storeState();
        }

        await attachments.HoldAsync(message);
    }

    public static async Task UndoAsync(Message message, MessageAttachments attachments, IEnumerable<List<long>> mentionLists, Func<Task> storeState)
    {
        if (Mentions.Untrack(message.SortNumber, mentionLists))
        {
            await storeState();
        }

        await attachments.ReleaseAsync(message);
    }
}
