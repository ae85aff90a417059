using System.Text.Json;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>How every conversation (1-1 or group) keeps its messages in the message log: one JSON entry per message.</summary>
internal static class MessageLogExtensions
{
    /// <summary>The log entry of a message; the idempotency key is what makes a retry find the stored one.</summary>
    public static LogEntry ToLogEntry(this Message message, string idempotencyKey) =>
        new(message.ConversationId, message.SortNumber, message.Id, idempotencyKey, message.SenderId, message.CreatedAt,
            JsonSerializer.Serialize(message, ChatJsonContext.Default.Message), message.Priority == MessagePriority.High,
            Counted: MessageRevisions.Counts(message)); // thread replies never raise the conversation's unread count

    public static Message ToMessage(this LogEntry entry) =>
        JsonSerializer.Deserialize(entry.Payload, ChatJsonContext.Default.Message)
        ?? throw new InvalidOperationException($"Log entry {entry.LogId}/{entry.Sequence} holds no message.");

    /// <summary>The entry at <paramref name="sortNumber"/>; null if the log has none there.</summary>
    public static async Task<LogEntry?> EntryAtAsync(this IMessageLog log, string logId, long sortNumber) =>
        (await log.ReadAsync(logId, sortNumber - 1, LogDirection.Forward, 1)).SingleOrDefault(e => e.Sequence == sortNumber);

    /// <summary>The author of the entry at <paramref name="sortNumber"/>; null if the log has none there.</summary>
    public static async Task<string?> AuthorAtAsync(this IMessageLog log, string logId, long sortNumber) =>
        (await log.EntryAtAsync(logId, sortNumber))?.AuthorId;

    /// <summary>
    /// The messages strictly between <paramref name="after"/> and <paramref name="before"/>, at most
    /// <paramref name="limit"/>, from the end <paramref name="order"/> names, only those <paramref name="shown"/> (not
    /// deleted for the reader, nor gone): it reads on until the page is full or the range ends.
    /// </summary>
    public static async Task<MessagePage> ReadPageAsync(this IMessageLog log, string logId, long after, long before, int limit, HistoryOrder order, Func<Message, bool> shown)
    {
        var messages = new List<Message>(Math.Min(limit, 64));
        while (before - after > 1)
        {
            // Read one more than asked to know whether the range holds more.
            var entries = order == HistoryOrder.OldestFirst
                ? (await log.ReadAsync(logId, after, LogDirection.Forward, limit + 1)).Where(e => e.Sequence < before).ToList()
                : (await log.ReadAsync(logId, before, LogDirection.Backward, limit + 1)).Where(e => e.Sequence > after).ToList();
            foreach (var message in entries.Select(ToMessage).Where(shown))
            {
                if (messages.Count == limit)
                {
                    return new MessagePage(messages, HasMore: true);
                }

                messages.Add(message);
            }

            if (entries.Count <= limit)
            {
                break;
            }

            (after, before) = order == HistoryOrder.OldestFirst ? (entries[^1].Sequence, before) : (after, entries[^1].Sequence);
        }

        return new MessagePage(messages, HasMore: false);
    }
}
