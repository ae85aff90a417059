using System.Globalization;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.GroupCommit;

/// <summary>A write to one of the stores (grain state, reminders, message log, rosters), queued for group commit.</summary>
internal abstract class StorageWrite<TResult>(CancellationToken cancellationToken) : PendingWrite<TResult>(cancellationToken);

/// <summary>Writes (data not null) or clears (data null) one grain's state if <see cref="ETag"/> is the stored one. Result: the new ETag, null after a clear.</summary>
internal sealed class GrainStateWrite(string stateName, GrainKey grainId, string? eTag, byte[]? data, CancellationToken cancellationToken)
    : StorageWrite<string?>(cancellationToken)
{
    public string StateName { get; } = stateName;

    public GrainKey GrainId { get; } = grainId;

    public string? ETag { get; } = eTag;

    /// <summary>The serialized state, or null to clear.</summary>
    public byte[]? Data { get; } = data;

    public override string PartitionKey => GrainId.Key;
}

/// <summary>Inserts or replaces one reminder row; <see cref="GrainHash"/> is Orleans' uniform hash of the grain, by which silos share reminders.</summary>
internal sealed class ReminderUpsert(GrainKey grainId, uint grainHash, string reminderName, DateTime startAt, TimeSpan period, string newETag, CancellationToken cancellationToken)
    : StorageWrite<string>(cancellationToken)
{
    public GrainKey GrainId { get; } = grainId;

    public uint GrainHash { get; } = grainHash;

    public string ReminderName { get; } = reminderName;

    public DateTime StartAt { get; } = startAt;

    public TimeSpan Period { get; } = period;

    public string NewETag { get; } = newETag;

    public override string PartitionKey => GrainId.Key;
}

internal sealed class ReminderRemove(GrainKey grainId, string reminderName, string eTag, CancellationToken cancellationToken)
    : StorageWrite<bool>(cancellationToken)
{
    public GrainKey GrainId { get; } = grainId;

    public string ReminderName { get; } = reminderName;

    public string ETag { get; } = eTag;

    public override string PartitionKey => GrainId.Key;
}

/// <summary>Removes every reminder (Orleans' test-only <c>IReminderTable.TestOnlyClearTable</c>).</summary>
internal sealed class RemindersClear(CancellationToken cancellationToken) : StorageWrite<bool>(cancellationToken)
{
    public override string PartitionKey => "";
}

internal sealed class LogAppend(LogEntry entry, CancellationToken cancellationToken)
    : StorageWrite<LogEntry>(cancellationToken)
{
    public LogEntry Entry { get; } = entry;

    public override string PartitionKey => Entry.LogId;
}

/// <summary>
/// Rewrites the payload and the counted flag of the entry at <see cref="Sequence"/> if its id is <see cref="EntryId"/>
/// (<see cref="IMessageLog.ReviseAsync"/>). Queued with its log's appends, so it sees every append queued before it.
/// Result: whether there was such an entry.
/// </summary>
internal sealed class LogRevise(string logId, long sequence, string entryId, string payload, bool counted, CancellationToken cancellationToken)
    : StorageWrite<bool>(cancellationToken)
{
    public string LogId { get; } = logId;

    public long Sequence { get; } = sequence;

    public string EntryId { get; } = entryId;

    public string Payload { get; } = payload;

    public bool Counted { get; } = counted;

    public override string PartitionKey => LogId;
}

/// <summary>
/// Writes rows of one user's roster (<see cref="IRosterStore"/>): each replaces the stored row of its conversation only
/// when its revision is at least the stored one, so a lower one changes nothing and is no conflict. Result: true.
/// </summary>
internal sealed class RosterWrite(string userId, IReadOnlyList<RosterRow> rows, CancellationToken cancellationToken)
    : StorageWrite<bool>(cancellationToken)
{
    public string UserId { get; } = userId;

    public IReadOnlyList<RosterRow> Rows { get; } = rows;

    public override string PartitionKey => UserId;
}

internal static class StorageConflicts
{
    public static InconsistentStateException GrainState(string stateName, GrainKey grainId, string? given, string? stored) =>
        new($"Grain state '{stateName}' of {grainId} was written by someone else: the write had ETag '{given ?? "(none)"}' but the store has '{stored ?? "(none)"}'.", stored, given);

    /// <summary>
    /// An append whose sequence is not the log's last + 1: taken (a stale activation) or past the end (it would leave a
    /// gap). Like a grain-state conflict, the "ETags" are the log's version: the stored last sequence, and the last
    /// sequence the writer assumed (its sequence - 1).
    /// </summary>
    public static InconsistentStateException Sequence(LogEntry entry, long lastSequence)
    {
        var stored = lastSequence.ToString(CultureInfo.InvariantCulture);
        var assumed = (entry.Sequence - 1).ToString(CultureInfo.InvariantCulture);
        return entry.Sequence <= lastSequence
            ? new($"Log '{entry.LogId}' already holds sequence {entry.Sequence} (its last is {lastSequence}).", stored, assumed)
            : new($"Log '{entry.LogId}' ends at sequence {lastSequence}: an append with sequence {entry.Sequence} would leave a gap (the next is {lastSequence + 1}).", stored, assumed);
    }
}
