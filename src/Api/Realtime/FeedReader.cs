using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// A page of a user's feed turned back into the changes their devices got live: <see cref="Cursor"/> is where the device
/// stands after them (see <see cref="FeedCursor"/>); events at or before the cursor it came with are its to skip.
/// </summary>
public sealed record FeedRead(IReadOnlyList<FeedChange> Changes, long Cursor, bool HasMore, bool SnapshotRequired);

/// <summary>
/// Reads a user's feed after a cursor and fills in what the feed keeps by reference: each message and message change
/// as it is now, read from its conversation as the user (so a recall, an expiry or a delete for me since then is
/// respected: the message comes as its tombstone, or not at all), and the current roster entry on the last change of
/// each conversation in the page (older entries would only be replaced by it).
/// </summary>
public static class FeedReader
{
    /// <summary>The most changes a page holds.</summary>
    public const int MaxPage = 1000;

    public static async Task<FeedRead> ReadAsync(IGrainFactory grains, string userId, long since, int limit)
    {
        // A cursor in the middle of a change reads that change again (its earlier events are skipped by the caller); a
        // negative one is no cursor of ours: past the end, which asks for a snapshot.
        var afterSequence = since < 0 ? long.MaxValue
            : since % FeedCursor.PerChange == FeedCursor.LastSlot || since == 0 ? FeedCursor.SequenceOf(since)
            : FeedCursor.SequenceOf(since) - 1;
        var page = await grains.GetGrain<IUserGrain>(userId).ReadFeedAsync(afterSequence, limit);
        if (page.SnapshotRequired)
        {
            return new FeedRead([], FeedCursor.After(page.Last), HasMore: false, SnapshotRequired: true);
        }

        var byConversation = page.Entries.Where(e => e.ConversationId is not null).GroupBy(e => e.ConversationId!, StringComparer.Ordinal);
        var reads = byConversation.Select(g => ReadConversationAsync(grains, userId, g.Key, [.. g])).ToList();
        var found = (await Task.WhenAll(reads)).SelectMany(r => r).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        var entries = page.Conversations.ToDictionary(c => c.Conversation.Id, StringComparer.Ordinal);
        var lastOf = page.Entries.Where(e => e.ConversationId is not null).GroupBy(e => e.ConversationId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(e => e.Sequence), StringComparer.Ordinal);

        var changes = page.Entries.Select(entry =>
        {
            var id = entry.ConversationId;
            var message = id is not null && entry.SortNumber is { } sortNumber && found.GetValueOrDefault(MessageKey(id, sortNumber)) is Message m
                ? new MessageSent(m, entry.OriginSessionId)
                : null;
            var messageChange = id is not null && entry.ChangeNumber is { } changeNumber ? found.GetValueOrDefault(ChangeKey(id, changeNumber)) as MessageChange : null;
            var conversation = id is not null && lastOf[id] == entry.Sequence ? entries.GetValueOrDefault(id) : null;
            return new FeedChange(entry.Sequence, message, entry.Read, entry.Delivered, messageChange, conversation, entry.Profile, entry.Contact, entry.Subscription);
        }).ToList();

        var cursor = changes.Count == 0 ? Math.Max(since, 0) : Math.Max(since, FeedCursor.After(changes[^1].Sequence));
        return new FeedRead(changes, cursor, page.HasMore, SnapshotRequired: false);
    }

    /// <summary>
    /// The messages and message changes these entries name, as the user may see them now, keyed by
    /// <see cref="MessageKey"/> / <see cref="ChangeKey"/>. A conversation that no longer answers the user (not found, no
    /// longer visible) gives nothing: its entry still says how it stands.
    /// </summary>
    private static async Task<IEnumerable<KeyValuePair<string, object>>> ReadConversationAsync(IGrainFactory grains, string userId, string conversationId, IReadOnlyList<FeedEntry> entries)
    {
        var found = new Dictionary<string, object>(StringComparer.Ordinal);
        var conversation = ChatConversations.Get(grains, conversationId);
        try
        {
            var sortNumbers = entries.Select(e => e.SortNumber).OfType<long>().ToHashSet();
            if (sortNumbers.Count > 0)
            {
                var after = sortNumbers.Min() - 1;
                var upTo = sortNumbers.Max();
                while (after < upTo)
                {
                    var history = await conversation.GetHistoryAsync(new HistoryQuery(userId, Before: upTo + 1, After: after, Limit: Validate.MaxPageSize, HistoryOrder.OldestFirst));
                    foreach (var message in history.Messages.Where(m => sortNumbers.Contains(m.SortNumber)))
                    {
                        found[MessageKey(conversationId, message.SortNumber)] = message;
                    }

                    if (!history.HasMore || history.Messages.Count == 0)
                    {
                        break;
                    }

                    after = history.Messages[^1].SortNumber;
                }
            }

            var changeNumbers = entries.Select(e => e.ChangeNumber).OfType<long>().ToHashSet();
            if (changeNumbers.Count > 0)
            {
                var after = changeNumbers.Min() - 1;
                var upTo = changeNumbers.Max();
                while (after < upTo)
                {
                    var page = await conversation.GetChangesAsync(new ChangesQuery(userId, after, Validate.MaxPageSize));
                    foreach (var change in page.Changes.Where(c => changeNumbers.Contains(c.ChangeNumber)))
                    {
                        found[ChangeKey(conversationId, change.ChangeNumber)] = change;
                    }

                    if (!page.HasMore || page.Next <= after)
                    {
                        break;
                    }

                    after = page.Next;
                }
            }
        }
        catch (Exception exception) when (exception is NotFoundException or PermissionDeniedException)
        {
            // No longer mine to read (a group I left reads up to my leaving; one that was deleted not at all).
        }

        return found;
    }

    private static string MessageKey(string conversationId, long sortNumber) => $"{conversationId}#m{sortNumber}";

    private static string ChangeKey(string conversationId, long changeNumber) => $"{conversationId}#c{changeNumber}";
}
