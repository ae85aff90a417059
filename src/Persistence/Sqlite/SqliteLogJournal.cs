using Orleans.Storage;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>
/// Where the log entries are that are committed to the <c>message_journal</c> table but not yet checkpointed into
/// <c>message_log</c>: their journal ids, indexed in memory by log and sequence.
/// <para>
/// Why: an append to <c>message_log</c> dirties one B-tree page per index of its conversation, and SQLite's WAL writes
/// whole pages, so a group commit of 100 appends to 100 conversations wrote over a megabyte to sync. The journal is an
/// insertion-ordered table without secondary indexes, so the same commit writes a few pages; a checkpoint later moves
/// thousands of journal rows into <c>message_log</c> in one transaction, where many rows share each page.
/// </para>
/// <para>
/// Readers combine <c>message_log</c> with the journal rows of their log, found through a snapshot of this index. A
/// checkpoint moves entries from one to the other; <see cref="Epoch"/> is odd while it does, so a reader that overlapped
/// one (epoch changed) knows an entry may be in both.
/// </para>
/// <para>
/// The entries themselves stay in the table, not in memory: an entry waits here for thousands of appends, so every entry
/// held in memory would outlive the GC's young generations and be copied into the old one, and these copies were most of
/// the server's GC pause time under load. An entry costs this index under 100 bytes instead of its whole payload.
/// </para>
/// <para>
/// A checkpoint copies rows into message_log but trims the table only below the oldest row it leaves behind, so a moved
/// entry's row can stay in the table a while. Readers never ask for it; the index remembers it (<see cref="TryGetRow"/>)
/// only so that a revise rewrites that copy too, and no old payload of a revised entry stays in the file.
/// </para>
/// </summary>
internal sealed class SqliteLogJournal
{
    private readonly Dictionary<string, Log> _logs = new(StringComparer.Ordinal);

    // Journal ids of the entries not yet in message_log, oldest first, with their log: every row older than the oldest
    // of them has been moved, so the journal table is trimmed up to it (a contiguous range of pages).
    private readonly SortedDictionary<long, string> _pendingIds = [];

    // Rows already copied into message_log that the table still holds, by log and sequence, and by id to forget them
    // once the table is trimmed past them.
    private readonly Dictionary<(string LogId, long Sequence), long> _copied = [];
    private readonly SortedDictionary<long, (string LogId, long Sequence)> _copiedIds = [];
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

                log.BySequence.Add(entry.Sequence, new Row(id, KeyHash(entry.IdempotencyKey)));
                _pendingIds.Add(id, entry.LogId);
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
                foreach (var row in log.BySequence.Values)
                {
                    ids.Add(row.Id);
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

    /// <summary>
    /// Forgets the selected entries, now committed to message_log, and ends the checkpoint. Their rows that the table
    /// keeps (at or above <see cref="CheckpointSelection.TrimBelow"/>) are remembered as copied until a later trim.
    /// </summary>
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
                foreach (var (sequence, row) in log.BySequence)
                {
                    _pendingIds.Remove(row.Id);
                    if (row.Id >= selection.TrimBelow)
                    {
                        _copied[(log.LogId, sequence)] = row.Id;
                        _copiedIds[row.Id] = (log.LogId, sequence);
                    }
                }
            }

            foreach (var (id, entry) in _copiedIds.TakeWhile(copied => copied.Key < selection.TrimBelow).ToList())
            {
                _copiedIds.Remove(id);
                _copied.Remove(entry);
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
            _copied.Clear();
            _copiedIds.Clear();
            Volatile.Write(ref _count, 0);
        }

        Interlocked.Increment(ref _epoch);
    }

    /// <summary>The highest sequence of the log's entries waiting here, if it has any.</summary>
    public bool TryGetLastSequence(string logId, out long sequence)
    {
        lock (_lock)
        {
            if (_logs.TryGetValue(logId, out var log) && log.BySequence.Count > 0)
            {
                sequence = log.BySequence.Keys[^1];
                return true;
            }
        }

        sequence = 0;
        return false;
    }

    /// <summary>
    /// The id of the journal row of the entry at <paramref name="sequence"/>, if the table still holds one: the entry
    /// waits here, or a checkpoint copied it into message_log and has not trimmed its row yet (called by the writer only).
    /// </summary>
    public bool TryGetRow(string logId, long sequence, out long id)
    {
        lock (_lock)
        {
            if (_logs.TryGetValue(logId, out var log) && log.BySequence.TryGetValue(sequence, out var row))
            {
                id = row.Id;
                return true;
            }

            return _copied.TryGetValue((logId, sequence), out id);
        }
    }

    /// <summary>
    /// The journal ids of the log's entries whose idempotency key may be <paramref name="idempotencyKey"/> (its hash
    /// matches): the caller reads those rows to compare the keys. Usually none.
    /// </summary>
    public IReadOnlyList<long> IdsWithKey(string logId, string idempotencyKey)
    {
        var hash = KeyHash(idempotencyKey);
        List<long>? ids = null;
        lock (_lock)
        {
            if (_logs.TryGetValue(logId, out var log))
            {
                // Runs for every append: index the list rather than enumerate it, which would allocate.
                for (var i = 0; i < log.BySequence.Count; i++)
                {
                    var row = log.BySequence.GetValueAtIndex(i);
                    if (row.KeyHash == hash)
                    {
                        (ids ??= []).Add(row.Id);
                    }
                }
            }
        }

        return ids ?? [];
    }

    /// <summary>The journal ids of the log's entries in ascending sequence order (usually none or a few).</summary>
    public long[] Snapshot(string logId)
    {
        lock (_lock)
        {
            if (!_logs.TryGetValue(logId, out var log))
            {
                return [];
            }

            var ids = new long[log.BySequence.Count];
            var i = 0;
            foreach (var row in log.BySequence.Values)
            {
                ids[i++] = row.Id;
            }

            return ids;
        }
    }

    // 0 for no key; a collision only costs the caller a row read (see IdsWithKey).
    private static int KeyHash(string? idempotencyKey) => idempotencyKey is null ? 0 : StringComparer.Ordinal.GetHashCode(idempotencyKey) | 1;

    /// <summary>One journal row of a log: its id in message_journal and the hash of its idempotency key.</summary>
    internal readonly record struct Row(long Id, int KeyHash);

    internal sealed class Log(string logId)
    {
        public string LogId { get; } = logId;

        public SortedList<long, Row> BySequence { get; } = [];
    }
}

/// <summary>The logs a checkpoint moves, the journal ids of their entries, and the id below which the journal table can be trimmed.</summary>
internal sealed record CheckpointSelection(IReadOnlyList<SqliteLogJournal.Log> Logs, IReadOnlyList<long> Ids, long TrimBelow);

/// <summary>What a reader of one log sees of the journal: its entries of that log, read in the same transaction as message_log.</summary>
internal readonly record struct JournalView(SqliteLogJournal Journal, long Epoch, LogEntry[] Entries)
{
    /// <summary>True when a checkpoint overlapped the read, so an entry may appear both here and in message_log.</summary>
    public bool MayOverlapLog => Journal.Overlapped(Epoch);
}
