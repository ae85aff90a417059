using System.Globalization;
using System.Text.Json;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// Threads: a reply is a message of the conversation's log that names its parent (so edits, recalls, reactions and
/// catch-up work on replies as on any message), stored uncounted, so replies never raise the conversation's unread
/// count. Each thread has an index, <c>{id}#thread:{parent}</c>, whose entries are its replies' sortNumbers in order
/// (keyed by sortNumber, so recording one twice adds nothing), and the parent carries the summary (reply count, last
/// reply). A reply is recorded after it is stored: a crash in between is finished when the grain activates, as the
/// reply is then the log's last entry (<see cref="RepairAsync"/>).
/// </summary>
internal sealed class MessageThreads(IMessageLog log, string conversationId)
{
    /// <summary>Throws unless <paramref name="parent"/> (as the sender sees it) can take replies: a member's message, not itself a reply, not recalled.</summary>
    public static void EnsureRepliable(Message parent)
    {
        if (!MessageRevisions.IsFromMember(parent) || parent.ParentSortNumber is not null || parent.Recalled is not null)
        {
            throw new InvalidArgumentException("Replies go to a member's message that is neither a reply nor recalled.", "parentSortNumber");
        }
    }

    /// <summary>Adds a stored reply to its thread's index and its parent's summary.</summary>
    public async Task RecordAsync(Message reply)
    {
        var parentSortNumber = reply.ParentSortNumber!.Value;
        var indexId = IndexId(parentSortNumber);
        var key = reply.SortNumber.ToString(CultureInfo.InvariantCulture);
        var indexed = await log.AppendAsync(new LogEntry(
            indexId, await log.GetLastSequenceAsync(indexId) + 1, reply.Id, key, reply.SenderId, reply.CreatedAt, key));

        var parentEntry = await log.EntryAtAsync(conversationId, parentSortNumber)
            ?? throw new InvalidOperationException($"Parent {conversationId}/{parentSortNumber} of a stored reply is not in the log.");
        var parent = parentEntry.ToMessage();
        if (parent.Thread is { } thread && thread.LastReplySortNumber >= reply.SortNumber)
        {
            return;
        }

        var summary = new MessageThread((int)indexed.Sequence, reply.SortNumber, reply.SenderId, reply.CreatedAt);
        await log.ReviseAsync(conversationId, parent.SortNumber, parent.Id, JsonSerializer.Serialize(parent with { Thread = summary }, ChatJsonContext.Default.Message), parentEntry.Counted);
    }

    /// <summary>After activation: finishes recording the log's last message if it is a reply a crash cut short.</summary>
    public async Task RepairAsync(Message? last)
    {
        if (last?.ParentSortNumber is not null)
        {
            await RecordAsync(last);
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> replies after the reply <paramref name="after"/> (0: from the first), as the requester's
    /// history shows them (<paramref name="shown"/>), with whether more follow.
    /// </summary>
    public async Task<(IReadOnlyList<Message> Replies, bool HasMore)> ReadAsync(long parentSortNumber, long after, int limit, Func<Message, bool> shown)
    {
        var indexId = IndexId(parentSortNumber);
        var from = 0L;
        if (after > 0)
        {
            from = (await log.FindByIdempotencyKeyAsync(indexId, after.ToString(CultureInfo.InvariantCulture)))?.Sequence
                ?? throw new InvalidArgumentException("'after' is not a reply of this thread.", "after");
        }

        var replies = new List<Message>();
        while (true)
        {
            var entries = await log.ReadAsync(indexId, from, LogDirection.Forward, limit + 1);
            foreach (var entry in entries)
            {
                var sortNumber = long.Parse(entry.Payload, CultureInfo.InvariantCulture);
                var reply = (await log.EntryAtAsync(conversationId, sortNumber)
                    ?? throw new InvalidOperationException($"Reply {conversationId}/{sortNumber} of a thread index is not in the log.")).ToMessage();
                if (!shown(reply))
                {
                    continue;
                }

                if (replies.Count == limit)
                {
                    return (replies, true);
                }

                replies.Add(reply);
            }

            if (entries.Count <= limit)
            {
                return (replies, false);
            }

            from = entries[^1].Sequence;
        }
    }

    private string IndexId(long parentSortNumber) => conversationId + "#thread:" + parentSortNumber.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What a conversation keeps for threads besides the log: each member's read marker per thread.</summary>
internal interface IThreadRules : IMessageRemovalRules
{
    MessageThreads Threads { get; }

    /// <summary>The member's read markers (the last reply read) by parent sortNumber, in the grain state.</summary>
    Dictionary<long, long> ThreadReadsOf(string memberId);
}

/// <summary>Reading a thread and marking it read, the same in every kind of conversation.</summary>
internal static class ThreadCommands
{
    public static async Task<ThreadPage> GetThreadAsync(IThreadRules rules, ThreadQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var requesterId = Validate.Id(query.RequesterId, "requesterId");
        var parent = await ParentAsync(rules, requesterId, query.ParentSortNumber);
        var shown = await rules.Changes.ShownToAsync(requesterId, rules.Now);
        var (replies, hasMore) = await rules.Threads.ReadAsync(parent.SortNumber, Validate.SortNumber(query.After, "after"), Validate.Limit(query.Limit), shown);
        return new ThreadPage(parent, replies, hasMore, rules.ThreadReadsOf(requesterId).GetValueOrDefault(parent.SortNumber));
    }

    public static async Task<long> MarkReadAsync(IThreadRules rules, string requesterId, long parentSortNumber, long sortNumber)
    {
        Validate.Id(requesterId, "requesterId");
        var parent = await ParentAsync(rules, requesterId, parentSortNumber);
        var reply = await rules.VisibleAsync(requesterId, Validate.SortNumber(sortNumber, "sortNumber"));
        if (reply.ParentSortNumber != parent.SortNumber)
        {
            throw new InvalidArgumentException("'sortNumber' is not a reply of this thread.", "sortNumber");
        }

        var reads = rules.ThreadReadsOf(requesterId);
        if (reads.GetValueOrDefault(parent.SortNumber) < reply.SortNumber)
        {
            reads[parent.SortNumber] = reply.SortNumber;
            await rules.StoreAsync();
        }

        return reads[parent.SortNumber];
    }

    private static async Task<Message> ParentAsync(IThreadRules rules, string requesterId, long parentSortNumber)
    {
        var parent = await rules.VisibleAsync(requesterId, Validate.SortNumber(parentSortNumber, "parentSortNumber"));
        return parent.ParentSortNumber is null ? parent : throw new InvalidArgumentException("A reply has no thread of its own.", "parentSortNumber");
    }
}
