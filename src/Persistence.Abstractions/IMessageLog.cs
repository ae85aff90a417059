namespace Orleans.Chat.Persistence;

/// <summary>
/// One entry of an append-only log (a conversation's messages). <see cref="Sequence"/> is assigned by the
/// log's single writer (its grain): 1, 2, 3, ... without a gap; <see cref="IdempotencyKey"/> (the client's message id)
/// is unique per log when present. <see cref="Payload"/> is the JSON the grain serialized. <see cref="HighPriority"/>
/// entries are counted apart as well (<see cref="IMessageLog.CountAsync"/>): a conversation's priority unread counter.
/// An entry that is not <see cref="Counted"/> (a thread reply, or a recalled or expired message, whose sequence stays
/// taken) counts in no <see cref="IMessageLog.CountAsync"/>; it is appended so, or revised so.
/// </summary>
public sealed record LogEntry(
    string LogId,
    long Sequence,
    string EntryId,
    string? IdempotencyKey,
    string AuthorId,
    DateTimeOffset Timestamp,
    string Payload,
    bool HighPriority = false,
    bool Counted = true);

/// <summary>How many entries a range of a log holds, and how many of them are <see cref="LogEntry.HighPriority"/>.</summary>
public readonly record struct LogCount(int Entries, int HighPriority)
{
    /// <summary>One entry, high priority or not.</summary>
    public static LogCount One(bool highPriority) => new(1, highPriority ? 1 : 0);

    public static LogCount operator +(LogCount left, LogCount right) =>
        new(left.Entries + right.Entries, left.HighPriority + right.HighPriority);

    public static LogCount operator -(LogCount left, LogCount right) =>
        new(left.Entries - right.Entries, left.HighPriority - right.HighPriority);
}

public enum LogDirection
{
    /// <summary>Ascending sequence numbers, starting after the given sequence.</summary>
    Forward,

    /// <summary>Descending sequence numbers, starting before the given sequence.</summary>
    Backward,
}

/// <summary>
/// Durable, append-only message log. An append returns only once the entry is committed to the store,
/// so anything acknowledged from it survives a killed process.
/// </summary>
public interface IMessageLog
{
    /// <summary>
    /// Appends the entry and returns the stored entry. If the log already holds an entry with the same
    /// <see cref="LogEntry.IdempotencyKey"/>, nothing is written and that earlier entry is returned, whatever the
    /// sequence of this append (compare its <see cref="LogEntry.Sequence"/> and <see cref="LogEntry.EntryId"/>).
    /// Otherwise the sequence must be exactly the log's last sequence + 1 (1 in an empty log), so a log never has a gap:
    /// a sequence already taken (a stale activation: Orleans deactivates it) or one that would skip a number throws
    /// Orleans' <c>Orleans.Storage.InconsistentStateException</c> and writes nothing. Appends to one log that are in
    /// flight together (5, 6 and 7 in one commit) all succeed when they continue the log; a refused one fails alone.
    /// </summary>
    ValueTask<LogEntry> AppendAsync(LogEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> entries strictly after (<see cref="LogDirection.Forward"/>) or strictly
    /// before (<see cref="LogDirection.Backward"/>) <paramref name="fromSequence"/>, in that direction's order.
    /// Use 0 to read from the start and <see cref="long.MaxValue"/> to read from the end.
    /// </summary>
    ValueTask<IReadOnlyList<LogEntry>> ReadAsync(string logId, long fromSequence, LogDirection direction, int limit, CancellationToken cancellationToken = default);

    ValueTask<LogEntry?> FindByIdAsync(string logId, string entryId, CancellationToken cancellationToken = default);

    ValueTask<LogEntry?> FindByIdempotencyKeyAsync(string logId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rewrites the entry at <paramref name="sequence"/> in place: its payload, and whether it still counts in
    /// <see cref="CountAsync"/> (an edit or a reaction keeps it counted; a recall, which erases the body, does not). The old
    /// payload is overwritten, not kept beside the new one. Sequence, entry id, idempotency key, author, timestamp and
    /// priority stay. Returns false, writing nothing, when the log holds no entry at that sequence with that
    /// <paramref name="entryId"/>. The caller (the log's single writer) orders its revisions itself.
    /// </summary>
    ValueTask<bool> ReviseAsync(string logId, long sequence, string entryId, string payload, bool counted, CancellationToken cancellationToken = default);

    /// <summary>The highest sequence in the log, 0 when it is empty.</summary>
    ValueTask<long> GetLastSequenceAsync(string logId, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many entries after <paramref name="afterSequence"/> and up to <paramref name="upToSequence"/> have an author other
    /// than <paramref name="excludedAuthorIds"/> (the reader, and the users whose messages the reader does not receive) and
    /// are <see cref="LogEntry.Counted"/>, and how many of those are high priority: an unread count, in one query. The upper
    /// bound lets a grain count exactly the entries it knows of while later appends are in flight.
    /// </summary>
    ValueTask<LogCount> CountAsync(string logId, long afterSequence, long upToSequence, IReadOnlyCollection<string>? excludedAuthorIds, CancellationToken cancellationToken = default);
}
