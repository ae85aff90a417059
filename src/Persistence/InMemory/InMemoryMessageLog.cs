using System.Collections.Concurrent;
using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.InMemory;

/// <summary>The message log in memory: one sorted list per log, each guarded by its own lock.</summary>
public sealed class InMemoryMessageLog : IMessageLog
{
    private readonly ConcurrentDictionary<string, Log> _logs = new(StringComparer.Ordinal);

    public ValueTask<LogEntry> AppendAsync(LogEntry entry, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<LogEntry>(cancellationToken);
        }

        var log = _logs.GetOrAdd(entry.LogId, static _ => new Log());
        lock (log)
        {
            if (entry.IdempotencyKey is not null && log.ByIdempotencyKey.TryGetValue(entry.IdempotencyKey, out var earlier))
            {
                return ValueTask.FromResult(earlier);
            }

            // One sortNumber, always: the next entry is the last + 1 (1 in an empty log); a taken one or a gap is refused.
            var last = log.BySequence.Count == 0 ? 0 : log.BySequence.Keys[^1];
            if (entry.Sequence != last + 1)
            {
                return ValueTask.FromException<LogEntry>(StorageConflicts.Sequence(entry, last));
            }

            log.BySequence.Add(entry.Sequence, entry);
            if (entry.IdempotencyKey is not null)
            {
                log.ByIdempotencyKey.Add(entry.IdempotencyKey, entry);
            }

            return ValueTask.FromResult(entry);
        }
    }

    public ValueTask<IReadOnlyList<LogEntry>> ReadAsync(string logId, long fromSequence, LogDirection direction, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (!_logs.TryGetValue(logId, out var log) || limit == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<LogEntry>>([]);
        }

        lock (log)
        {
            var entries = log.BySequence;
            IEnumerable<LogEntry> selected = direction == LogDirection.Forward
                ? entries.Values.Where(e => e.Sequence > fromSequence)
                : entries.Values.Reverse().Where(e => e.Sequence < fromSequence);
            return ValueTask.FromResult<IReadOnlyList<LogEntry>>([.. selected.Take(limit)]);
        }
    }

    public ValueTask<LogEntry?> FindByIdAsync(string logId, string entryId, CancellationToken cancellationToken = default)
    {
        if (!_logs.TryGetValue(logId, out var log))
        {
            return ValueTask.FromResult<LogEntry?>(null);
        }

        lock (log)
        {
            return ValueTask.FromResult(log.BySequence.Values.FirstOrDefault(e => e.EntryId == entryId));
        }
    }

    public ValueTask<LogEntry?> FindByIdempotencyKeyAsync(string logId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        if (!_logs.TryGetValue(logId, out var log))
        {
            return ValueTask.FromResult<LogEntry?>(null);
        }

        lock (log)
        {
            return ValueTask.FromResult(log.ByIdempotencyKey.GetValueOrDefault(idempotencyKey));
        }
    }

    public ValueTask<long> GetLastSequenceAsync(string logId, CancellationToken cancellationToken = default)
    {
        if (!_logs.TryGetValue(logId, out var log))
        {
            return ValueTask.FromResult(0L);
        }

        lock (log)
        {
            return ValueTask.FromResult(log.BySequence.Count == 0 ? 0 : log.BySequence.Keys[^1]);
        }
    }

    public ValueTask<LogCount> CountAsync(string logId, long afterSequence, long upToSequence, IReadOnlyCollection<string>? excludedAuthorIds, CancellationToken cancellationToken = default)
    {
        if (!_logs.TryGetValue(logId, out var log))
        {
            return ValueTask.FromResult(default(LogCount));
        }

        lock (log)
        {
            var counted = log.BySequence.Values.Where(e => e.Sequence > afterSequence && e.Sequence <= upToSequence && e.Counted && !(excludedAuthorIds?.Contains(e.AuthorId) ?? false)).ToList();
            return ValueTask.FromResult(new LogCount(counted.Count, counted.Count(e => e.HighPriority)));
        }
    }

    public ValueTask<bool> ReviseAsync(string logId, long sequence, string entryId, string payload, bool counted, CancellationToken cancellationToken = default)
    {
        if (!_logs.TryGetValue(logId, out var log))
        {
            return ValueTask.FromResult(false);
        }

        lock (log)
        {
            if (!log.BySequence.TryGetValue(sequence, out var entry) || entry.EntryId != entryId)
            {
                return ValueTask.FromResult(false);
            }

            var revised = entry with { Payload = payload, Counted = counted };
            log.BySequence[sequence] = revised;
            if (entry.IdempotencyKey is not null)
            {
                log.ByIdempotencyKey[entry.IdempotencyKey] = revised;
            }

            return ValueTask.FromResult(true);
        }
    }

    private sealed class Log
    {
        public SortedList<long, LogEntry> BySequence { get; } = [];

        public Dictionary<string, LogEntry> ByIdempotencyKey { get; } = new(StringComparer.Ordinal);
    }
}
