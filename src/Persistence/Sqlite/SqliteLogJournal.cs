using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>
/// The log entries that are committed to the <c>message_journal</c> table but not yet checkpointed into
/// <c>message_log</c>, indexed in memory by log.
/// <para>
/// Why: an append to <c>message_log</c> dirties one B-tree page per index of its conversation, and SQLite's WAL writes
/// whole pages, so a group commit of 100 appends to 100 conversations wrote over a megabyte to sync. The journal is an
/// insertion-ordered table without secondary indexes, so the same commit writes a few pages; a checkpoint later moves
/// thousands of journal rows into <c>message_log</c> in one transaction, where many rows share each page.
/// </para>
/// <para>
/// Readers combine <c>message_log</c> with a snapshot of this journal. A checkpoint moves entries from one to the other;
/// <see cref="Epoch"/> is odd while it does, so a reader that overlapped one (epoch changed) reads again.
/// </para>
/// </summary>
internal sealed class SqliteLogJournal
{
    private readonly Dictionary<string, Log> _logs = new(StringComparer.Ordinal);
    private readonly Queue<(long Id, string LogId, long Sequence)> _order = new();
    private readonly Lock _lock = new();
    private long _epoch;

    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>Whether a checkpoint ran (or was running) since <paramref name="epoch"/> was read: entries may have been seen twice.</summary>
    public bool Overlapped(long epoch) => (epoch & 1) != 0 || Epoch != epoch;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _order.Count;
            }
        }
    }

    /// <summary>Adds entries whose journal rows have just been committed (called by the writer only).</summary>
    public void Add(List<(long Id, LogEntry Entry)> committed)
    {
        lock (_lock)
        {
            foreach (var (id, entry) in committed)
            {
                if (!_logs.TryGetValue(entry.LogId, out var log))
                {
                    _logs.Add(entry.LogId, log = new Log());
                }

                log.BySequence.Add(entry.Sequence, entry);
                if (entry.IdempotencyKey is not null)
                {
                    log.ByIdempotencyKey.Add(entry.IdempotencyKey, entry);
                }

                _order.Enqueue((id, entry.LogId, entry.Sequence));
            }
        }
    }

    /// <summary>The largest journal id among the oldest <paramref name="count"/> entries, or 0 when empty.</summary>
    public long OldestIdsUpTo(int count)
    {
        lock (_lock)
        {
            long last = 0;
            foreach (var (id, _, _) in _order)
            {
                if (count-- == 0)
                {
                    break;
                }

                last = id;
            }

            return last;
        }
    }

    /// <summary>Marks the start of a checkpoint: readers that overlap it will retry.</summary>
    public void BeginCheckpoint() => Interlocked.Increment(ref _epoch);

    /// <summary>Forgets the entries up to <paramref name="lastId"/>, now committed to <c>message_log</c>, and ends the checkpoint.</summary>
    public void EndCheckpoint(long lastId)
    {
        lock (_lock)
        {
            while (_order.TryPeek(out var oldest) && oldest.Id <= lastId)
            {
                _order.Dequeue();
                var log = _logs[oldest.LogId];
                if (log.BySequence.Remove(oldest.Sequence, out var entry) && entry.IdempotencyKey is not null)
                {
                    log.ByIdempotencyKey.Remove(entry.IdempotencyKey);
                }

                if (log.BySequence.Count == 0)
                {
                    _logs.Remove(oldest.LogId);
                }
            }
        }

        Interlocked.Increment(ref _epoch);
    }

    /// <summary>Ends a checkpoint that failed (its transaction rolled back): nothing moved.</summary>
    public void AbortCheckpoint() => Interlocked.Increment(ref _epoch);

    public bool ContainsSequence(string logId, long sequence)
    {
        lock (_lock)
        {
            return _logs.TryGetValue(logId, out var log) && log.BySequence.ContainsKey(sequence);
        }
    }

    public LogEntry? FindByIdempotencyKey(string logId, string idempotencyKey)
    {
        lock (_lock)
        {
            return _logs.TryGetValue(logId, out var log) ? log.ByIdempotencyKey.GetValueOrDefault(idempotencyKey) : null;
        }
    }

    /// <summary>The journal's entries of one log in ascending sequence order (usually none or a few).</summary>
    public LogEntry[] Snapshot(string logId)
    {
        lock (_lock)
        {
            return _logs.TryGetValue(logId, out var log) ? [.. log.BySequence.Values] : [];
        }
    }

    private sealed class Log
    {
        public SortedList<long, LogEntry> BySequence { get; } = [];

        public Dictionary<string, LogEntry> ByIdempotencyKey { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>What a reader of one log sees of the journal: its entries of that log, taken before reading message_log.</summary>
internal readonly record struct JournalView(SqliteLogJournal Journal, long Epoch, LogEntry[] Entries)
{
    /// <summary>True when a checkpoint overlapped the read, so an entry may appear both here and in message_log.</summary>
    public bool MayOverlapLog => Journal.Overlapped(Epoch);
}
