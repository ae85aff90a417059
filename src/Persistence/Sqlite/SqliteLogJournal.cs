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

    // Journal ids of the entries not yet in message_log, oldest first, with their log: every row older than the oldest
    // of them has been moved, so the journal table is trimmed up to it (a contiguous range of pages).
    private readonly SortedDictionary<long, string> _pendingIds = [];
    private readonly Lock _lock = new();
    private long _epoch;
    private int _count;

    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>Whether a checkpoint ran (or was running) since <paramref name="epoch"/> was read: entries may have been seen twice.</summary>
    public bool Overlapped(long epoch) => (epoch & 1) != 0 || Epoch != epoch;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds entries whose journal rows have just been committed (called by the writer only).</summary>
    public void Add(List<(long Id, LogEntry Entry)> committed)
    {
        lock (_lock)
        {
            foreach (var (id, entry) in committed)
            {
                if (!_logs.TryGetValue(entry.LogId, out var log))
                {
                    _logs.Add(entry.LogId, log = new Log(entry.LogId));
                }

                log.BySequence.Add(entry.Sequence, (id, entry));
                _pendingIds.Add(id, entry.LogId);
                if (entry.IdempotencyKey is not null)
                {
                    log.ByIdempotencyKey.Add(entry.IdempotencyKey, entry);
                }
            }

            Volatile.Write(ref _count, _count + committed.Count);
        }
    }

    /// <summary>
    /// Picks whole logs until about <paramref name="maxEntries"/> entries: first the log holding the oldest entry (so
    /// the journal table can always be trimmed), then the fullest ones. Moving all of a log's entries at once is what
    /// lets them share B-tree pages in message_log. Returns their journal ids and the id below which every journal row
    /// will have been moved once these are.
    /// </summary>
    public CheckpointSelection Select(int maxEntries)
    {
        lock (_lock)
        {
            var logs = new List<Log>();
            var chosen = new HashSet<string>(StringComparer.Ordinal);
            var ids = new List<long>();
            void Take(Log log)
            {
                logs.Add(log);
                chosen.Add(log.LogId);
                foreach (var (id, _) in log.BySequence.Values)
                {
                    ids.Add(id);
                }
            }

            foreach (var (_, oldestLog) in _pendingIds)
            {
                Take(_logs[oldestLog]);
                break;
            }

            foreach (var log in _logs.Values.OrderByDescending(l => l.BySequence.Count))
            {
                if (ids.Count + log.BySequence.Count > maxEntries)
                {
                    break;
                }

                if (!chosen.Contains(log.LogId))
                {
                    Take(log);
                }
            }

            var trimBelow = long.MaxValue;
            foreach (var (id, logId) in _pendingIds)
            {
                if (!chosen.Contains(logId))
                {
                    trimBelow = id;
                    break;
                }
            }

            return new CheckpointSelection(logs, ids, trimBelow);
        }
    }

    /// <summary>Marks the start of a checkpoint: readers that overlap it will notice.</summary>
    public void BeginCheckpoint() => Interlocked.Increment(ref _epoch);

    /// <summary>Forgets the selected entries, now committed to message_log, and ends the checkpoint.</summary>
    public void EndCheckpoint(CheckpointSelection selection)
    {
        lock (_lock)
        {
            var removed = 0;
            foreach (var log in selection.Logs)
            {
                // Only the writer adds entries and it is the one checkpointing, so the selected logs are unchanged.
                removed += log.BySequence.Count;
                _logs.Remove(log.LogId);
                foreach (var (id, _) in log.BySequence.Values)
                {
                    _pendingIds.Remove(id);
                }
            }

            Volatile.Write(ref _count, _count - removed);
        }

        Interlocked.Increment(ref _epoch);
    }

    /// <summary>Ends a checkpoint that failed (its transaction rolled back): nothing moved.</summary>
    public void AbortCheckpoint() => Interlocked.Increment(ref _epoch);

    /// <summary>Forgets everything after the whole journal table was moved (at close).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _epoch);
        lock (_lock)
        {
            _logs.Clear();
            _pendingIds.Clear();
            Volatile.Write(ref _count, 0);
        }

        Interlocked.Increment(ref _epoch);
    }

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
            if (!_logs.TryGetValue(logId, out var log))
            {
                return [];
            }

            var entries = new LogEntry[log.BySequence.Count];
            var i = 0;
            foreach (var (_, entry) in log.BySequence.Values)
            {
                entries[i++] = entry;
            }

            return entries;
        }
    }

    internal sealed class Log(string logId)
    {
        public string LogId { get; } = logId;

        public SortedList<long, (long Id, LogEntry Entry)> BySequence { get; } = [];

        public Dictionary<string, LogEntry> ByIdempotencyKey { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>The logs a checkpoint moves, the journal ids of their entries, and the id below which the journal table can be trimmed.</summary>
internal sealed record CheckpointSelection(IReadOnlyList<SqliteLogJournal.Log> Logs, IReadOnlyList<long> Ids, long TrimBelow);

/// <summary>What a reader of one log sees of the journal: its entries of that log, taken before reading message_log.</summary>
internal readonly record struct JournalView(SqliteLogJournal Journal, long Epoch, LogEntry[] Entries)
{
    /// <summary>True when a checkpoint overlapped the read, so an entry may appear both here and in message_log.</summary>
    public bool MayOverlapLog => Journal.Overlapped(Epoch);
}
