using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.GroupCommit;

/// <summary>A write to one of the stores (grain state, reminders, message log), queued for group commit.</summary>
internal abstract class StorageWrite<TResult>(CancellationToken cancellationToken) : PendingWrite<TResult>(cancellationToken);

/// <summary>Writes (data not null) or clears (data null) one grain's state if <see cref="ETag"/> is the stored one. Result: the new ETag, null after a clear.</summary>
internal sealed class GrainStateWrite(string stateName, GrainId grainId, string? eTag, byte[]? data, CancellationToken cancellationToken)
    : StorageWrite<string?>(cancellationToken)
{
    public string StateName { get; } = stateName;

    public GrainId GrainId { get; } = grainId;

    public string? ETag { get; } = eTag;

    /// <summary>The serialized state, or null to clear.</summary>
    public byte[]? Data { get; } = data;

    public override string PartitionKey => GrainId.Key;
}

internal sealed class ReminderUpsert(ReminderEntry entry, string newETag, CancellationToken cancellationToken)
    : StorageWrite<string>(cancellationToken)
{
    public ReminderEntry Entry { get; } = entry;

    public string NewETag { get; } = newETag;

    public override string PartitionKey => Entry.GrainId.Key;
}

internal sealed class ReminderRemove(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken)
    : StorageWrite<bool>(cancellationToken)
{
    public GrainId GrainId { get; } = grainId;

    public string ReminderName { get; } = reminderName;

    public string ETag { get; } = eTag;

    public override string PartitionKey => GrainId.Key;
}

internal sealed class LogAppend(LogEntry entry, CancellationToken cancellationToken)
    : StorageWrite<LogEntry>(cancellationToken)
{
    public LogEntry Entry { get; } = entry;

    public override string PartitionKey => Entry.LogId;
}

internal static class StorageConflicts
{
    public static InconsistentStateException GrainState(string stateName, GrainId grainId, string? given, string? stored) =>
        new($"Grain state '{stateName}' of {grainId} was written by someone else: the write had ETag '{given ?? "(none)"}' but the store has '{stored ?? "(none)"}'.", stored, given);

    public static InconsistentStateException Sequence(LogEntry entry) =>
        new($"Log '{entry.LogId}' already holds another entry with sequence {entry.Sequence}.", null, null);
}
