using System.Globalization;
using System.Text.Json;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A conversation's message changes, in order: each change takes the next change number in the conversation's change
/// log (<c>{id}#changes</c>, an ordinary log of the message log store), then the message entry is revised in place.
/// A change entry names the message and the kind, never a body, so a recall erases the body everywhere. A crash between
/// the two writes leaves the last change stored and its message unrevised: the next activation finishes it
/// (<see cref="ActivateAsync"/>), except an edit, whose new body only the unanswered caller had (it retries).
/// Messages a member deleted for themselves are kept per member in <c>{id}#hidden:{userId}</c>, read once per
/// activation when that member first asks. A change names the organization of the member who made it
/// (<paramref name="organizationOf"/>: in a conversation across organizations, each member's own). Every change that
/// changes a message's text updates the search index after the message (<see cref="MessageSearchIndex"/>).
/// </summary>
internal sealed class MessageChanges(IMessageLog log, string conversationId, Func<string, string> organizationOf, MessageSearchIndex search)
{
    private readonly string _logId = conversationId + "#changes";
    private readonly Dictionary<string, HashSet<long>> _hidden = new(StringComparer.Ordinal);

    /// <summary>The search index of the conversation's messages, which sends update too.</summary>
    public MessageSearchIndex Search => search;

    /// <summary>The number of the last change, 0 before the first.</summary>
    public long Last { get; private set; }

    /// <summary>
    /// An activation's reads, both at once: the last change (finished if a crash cut it short, so the counts that follow
    /// include it) with its message as now stored, for the grain to reconcile what it keeps itself (pins); and the log's
    /// last message, as now stored.
    /// </summary>
    public async Task<((MessageChange Change, Message Message)? LastChange, Message? LastMessage)> ActivateAsync(CancellationToken cancellationToken)
    {
        var tailRead = log.ReadAsync(conversationId, long.MaxValue, LogDirection.Backward, 1, cancellationToken).AsTask();
        var lastChange = await FinishLastChangeAsync(cancellationToken);
        var tail = await tailRead;
        var lastMessage = tail.Count == 0 ? null
            : lastChange is { Message: var changed } && changed.SortNumber == tail[0].Sequence ? changed
            : tail[0].ToMessage();
        return (lastChange, lastMessage);
    }

    private async Task<(MessageChange Change, Message Message)?> FinishLastChangeAsync(CancellationToken cancellationToken)
    {
        var tail = await log.ReadAsync(_logId, long.MaxValue, LogDirection.Backward, 1, cancellationToken);
        if (tail.Count == 0)
        {
            return null;
        }

        Last = tail[0].Sequence;
        var change = ToChange(tail[0]);
        var entry = await log.EntryAtAsync(conversationId, change.SortNumber);
        if (entry is null)
        {
            return null;
        }

        var message = entry.ToMessage();
        if (change.Kind == MessageChangeKind.DeletedForMe)
        {
            await StoreHiddenAsync(change.ActorId, change.SortNumber, change.At);
        }
        else if (message.ChangeNumber < change.ChangeNumber && Redo(message, change) is { } redone)
        {
            message = redone with { ChangeNumber = change.ChangeNumber };
            await log.ReviseAsync(conversationId, message.SortNumber, message.Id, Serialize(message), MessageRevisions.Counts(message), cancellationToken);
            await search.ChangedAsync(message, change.Kind);
        }

        return (change, message);
    }

    /// <summary>The stored message at <paramref name="sortNumber"/>, whoever may see it; null when there is none.</summary>
    public async Task<Message?> MessageAtAsync(long sortNumber) => (await log.EntryAtAsync(conversationId, sortNumber))?.ToMessage();

    /// <summary>
    /// Stores a change of <paramref name="current"/> that made <paramref name="revised"/>: the change in the order first,
    /// then the message. Returns the change as members see it (with the message, or none when it is gone for everyone) and
    /// the message as stored now.
    /// </summary>
    public async Task<(MessageChange Change, Message Stored)> ApplyAsync(Message current, Message revised, MessageChangeKind kind, string actorId, DateTimeOffset at, string? emoji = null)
    {
        var change = await AppendChangeAsync(kind, current.SortNumber, actorId, at, emoji);
        revised = revised with { ChangeNumber = change.ChangeNumber };
        if (!await log.ReviseAsync(conversationId, current.SortNumber, current.Id, Serialize(revised), MessageRevisions.Counts(revised)))
        {
            throw new InvalidOperationException($"Message {conversationId}/{current.SortNumber} is not in the log it was read from.");
        }

        await search.ChangedAsync(revised, kind);

        return (change with { Message = revised.Removed is null ? revised : null }, revised);
    }

    /// <summary>Deletes a message for one member; null when it was deleted for them already.</summary>
    public async Task<MessageChange?> HideAsync(string userId, long sortNumber, DateTimeOffset at)
    {
        if ((await HiddenAsync(userId)).Contains(sortNumber))
        {
            return null;
        }

        var change = await AppendChangeAsync(MessageChangeKind.DeletedForMe, sortNumber, userId, at, emoji: null);
        await StoreHiddenAsync(userId, sortNumber, at);
        return change;
    }

    /// <summary>Which messages the member's history shows: those not deleted for them, not recalled away, not gone by themselves.</summary>
    public async Task<Func<Message, bool>> ShownToAsync(string userId, DateTimeOffset now)
    {
        var hidden = await HiddenAsync(userId);
        return message => !hidden.Contains(message.SortNumber) && MessageRemovals.IsLive(message, now);
    }

    /// <summary>The sortNumbers the member deleted for themselves.</summary>
    public async Task<IReadOnlySet<long>> HiddenAsync(string userId)
    {
        if (_hidden.TryGetValue(userId, out var known))
        {
            return known;
        }

        var hidden = new HashSet<long>();
        var logId = HiddenLogId(userId);
        for (var after = 0L; ;)
        {
            var page = await log.ReadAsync(logId, after, LogDirection.Forward, 1_000);
            foreach (var entry in page)
            {
                hidden.Add(long.Parse(entry.Payload, CultureInfo.InvariantCulture));
            }

            if (page.Count < 1_000)
            {
                break;
            }

            after = page[^1].Sequence;
        }

        // Another call may have loaded them meanwhile (reads interleave): the first one loaded wins.
        return _hidden.TryAdd(userId, hidden) ? hidden : _hidden[userId];
    }

    /// <summary>
    /// The changes after <see cref="ChangesQuery.After"/> the requester may see (<paramref name="sees"/> says which
    /// sortNumbers), each with the message as it is now; another member's deletes for themselves are left out.
    /// </summary>
    public async Task<ChangePage> ReadAsync(string requesterId, long after, int limit, Func<long, bool> sees, DateTimeOffset now)
    {
        var entries = await log.ReadAsync(_logId, after, LogDirection.Forward, limit + 1);
        var scanned = entries.Take(limit).Select(ToChange).ToList();
        var shown = scanned
            .Where(c => sees(c.SortNumber) && (c.Kind != MessageChangeKind.DeletedForMe || string.Equals(c.ActorId, requesterId, StringComparison.Ordinal)))
            .ToList();
        var visible = await ShownToAsync(requesterId, now);
        var messages = new Dictionary<long, Message?>();
        foreach (var sortNumber in shown.Select(c => c.SortNumber).Distinct())
        {
            messages[sortNumber] = await MessageAtAsync(sortNumber) is { } message && visible(message) ? message : null;
        }

        return new ChangePage(
            [.. shown.Select(c => c with { Message = messages[c.SortNumber] })],
            scanned.Count == 0 ? after : scanned[^1].ChangeNumber,
            entries.Count > limit);
    }

    private async Task<MessageChange> AppendChangeAsync(MessageChangeKind kind, long sortNumber, string actorId, DateTimeOffset at, string? emoji)
    {
        var change = new MessageChange(conversationId, organizationOf(actorId), Last + 1, kind, sortNumber, actorId, at, Emoji: emoji);
        await log.AppendAsync(new LogEntry(
            _logId, change.ChangeNumber, Guid.CreateVersion7(at).ToString("N"), IdempotencyKey: null, actorId, at,
            JsonSerializer.Serialize(change, ChatJsonContext.Default.MessageChange)));
        Last = change.ChangeNumber;
        return change;
    }

    /// <summary>Adds the sortNumber to the member's deleted ones; the sortNumber is the idempotency key, so a redo adds nothing.</summary>
    private async Task StoreHiddenAsync(string userId, long sortNumber, DateTimeOffset at)
    {
        var hidden = (HashSet<long>)await HiddenAsync(userId);
        if (hidden.Contains(sortNumber))
        {
            return;
        }

        var logId = HiddenLogId(userId);
        var key = sortNumber.ToString(CultureInfo.InvariantCulture);
        await log.AppendAsync(new LogEntry(logId, await log.GetLastSequenceAsync(logId) + 1, Guid.CreateVersion7(at).ToString("N"), key, userId, at, key));
        hidden.Add(sortNumber);
    }

    /// <summary>What a stored change does to the message, again (null for an edit, whose body was never stored with it).</summary>
    private static Message? Redo(Message message, MessageChange change) => change.Kind switch
    {
        MessageChangeKind.Recalled => MessageRevisions.Recall(message, change.ActorId, change.At),
        MessageChangeKind.Pinned => MessageRevisions.Pin(message, change.ActorId, change.At, pinned: true),
        MessageChangeKind.Unpinned => MessageRevisions.Pin(message, change.ActorId, change.At, pinned: false),
        MessageChangeKind.ReactionAdded => MessageRevisions.React(message, change.ActorId, change.Emoji!, add: true),
        MessageChangeKind.ReactionRemoved => MessageRevisions.React(message, change.ActorId, change.Emoji!, add: false),
        MessageChangeKind.Expired or MessageChangeKind.DeletedOnRead => MessageRevisions.Remove(message, change.Kind, change.At),
        _ => null,
    };

    private string HiddenLogId(string userId) => conversationId + "#hidden:" + userId;

    private static MessageChange ToChange(LogEntry entry) =>
        JsonSerializer.Deserialize(entry.Payload, ChatJsonContext.Default.MessageChange)
        ?? throw new InvalidOperationException($"Change entry {entry.LogId}/{entry.Sequence} holds no change.");

    private static string Serialize(Message message) => JsonSerializer.Serialize(message, ChatJsonContext.Default.Message);
}
