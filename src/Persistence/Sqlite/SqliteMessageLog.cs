using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>
/// The message log on SQLite. Appends are committed to the journal by the group-commit writer, and revisions by the same
/// writer wherever the entry is; every read combines message_log with the journal's entries of that log (see
/// <see cref="SqliteLogJournal"/>).
/// </summary>
internal sealed class SqliteMessageLog(SqliteStore store) : IMessageLog
{
    public ValueTask<LogEntry> AppendAsync(LogEntry entry, CancellationToken cancellationToken = default) =>
        new(store.WriteAsync(new LogAppend(entry, cancellationToken)));

    public async ValueTask<IReadOnlyList<LogEntry>> ReadAsync(string logId, long fromSequence, LogDirection direction, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit == 0)
        {
            return [];
        }

        return await ReadMergedAsync(logId, fromSequence, direction, limit, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<List<LogEntry>> ReadMergedAsync(string logId, long fromSequence, LogDirection direction, int limit, CancellationToken cancellationToken) =>
        store.ReadLogAsync(
            logId,
            (logId, fromSequence, direction, limit),
            static (session, journal, query) =>
            {
                var forward = query.direction == LogDirection.Forward;
                var command = session.Command(forward ? SqliteSql.ReadForward : SqliteSql.ReadBackward);
                command.Parameters.AddWithValue("@log", query.logId);
                command.Parameters.AddWithValue("@from", query.fromSequence);
                command.Parameters.AddWithValue("@limit", query.limit);
                var stored = SqliteSql.ReadEntries(command, query.limit);
                if (journal.Entries.Length == 0)
                {
                    return stored;
                }

                // Both lists are in the read's order; merge them, keeping one copy of an entry a checkpoint put in both.
                IEnumerable<LogEntry> pending = forward
                    ? journal.Entries.Where(e => e.Sequence > query.fromSequence)
                    : journal.Entries.Reverse().Where(e => e.Sequence < query.fromSequence);
                var merged = new List<LogEntry>(Math.Min(query.limit, stored.Count + journal.Entries.Length));
                using var next = pending.GetEnumerator();
                var hasNext = next.MoveNext();
                var i = 0;
                while (merged.Count < query.limit && (hasNext || i < stored.Count))
                {
                    if (!hasNext)
                    {
                        merged.Add(stored[i++]);
                        continue;
                    }

                    if (i >= stored.Count)
                    {
                        merged.Add(next.Current);
                        hasNext = next.MoveNext();
                        continue;
                    }

                    var order = next.Current.Sequence.CompareTo(stored[i].Sequence) * (forward ? 1 : -1);
                    if (order < 0)
                    {
                        merged.Add(next.Current);
                        hasNext = next.MoveNext();
                    }
                    else
                    {
                        if (order == 0)
                        {
                            hasNext = next.MoveNext();
                        }

                        merged.Add(stored[i++]);
                    }
                }

                return merged;
            },
            cancellationToken);

    public ValueTask<LogEntry?> FindByIdAsync(string logId, string entryId, CancellationToken cancellationToken = default) =>
        store.ReadLogAsync(
            logId,
            (logId, entryId),
            static (session, journal, key) =>
            {
                var command = session.Command(SqliteSql.FindEntryById);
                command.Parameters.AddWithValue("@log", key.logId);
                command.Parameters.AddWithValue("@id", key.entryId);
                var stored = SqliteSql.ReadEntries(command, 1) is [var entry] ? entry : null;
                var pending = Array.Find(journal.Entries, e => e.EntryId == key.entryId);
                return stored is null || (pending is not null && pending.Sequence < stored.Sequence) ? pending : stored;
            },
            cancellationToken);

    public ValueTask<LogEntry?> FindByIdempotencyKeyAsync(string logId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        store.ReadLogAsync(
            logId,
            (logId, idempotencyKey),
            static (session, journal, key) =>
                Array.Find(journal.Entries, e => e.IdempotencyKey == key.idempotencyKey)
                ?? SqliteSql.FindByIdempotencyKey(session, key.logId, key.idempotencyKey),
            cancellationToken);

    public ValueTask<long> GetLastSequenceAsync(string logId, CancellationToken cancellationToken = default) =>
        store.ReadLogAsync(
            logId,
            logId,
            static (session, journal, logId) =>
            {
                var command = session.Command(SqliteSql.LastSequence);
                command.Parameters.AddWithValue("@log", logId);
                var stored = (long)command.ExecuteScalar()!;
                return journal.Entries.Length == 0 ? stored : Math.Max(stored, journal.Entries[^1].Sequence);
            },
            cancellationToken);

    public ValueTask<LogCount> CountAsync(string logId, long afterSequence, long upToSequence, IReadOnlyCollection<string>? excludedAuthorIds, CancellationToken cancellationToken = default) =>
        store.ReadLogAsync(
            logId,
            (logId, afterSequence, upToSequence, excluded: excludedAuthorIds ?? []),
            static (session, journal, query) =>
            {
                var command = session.Command(SqliteSql.Count);
                command.Parameters.AddWithValue("@log", query.logId);
                command.Parameters.AddWithValue("@after", query.afterSequence);
                command.Parameters.AddWithValue("@upTo", query.upToSequence);
                // The excluded authors as one JSON array, which the query opens with json_each.
                command.Parameters.AddWithValue("@authors", query.excluded.Count == 0 ? DBNull.Value : SqliteSql.JsonArray(query.excluded));
                LogCount count;
                using (var reader = command.ExecuteReader())
                {
                    reader.Read();
                    count = new LogCount((int)reader.GetInt64(0), (int)reader.GetInt64(1));
                }

                var overlapped = journal.MayOverlapLog;
                foreach (var entry in journal.Entries)
                {
                    if (entry.Sequence > query.afterSequence
                        && entry.Sequence <= query.upToSequence
                        && entry.Counted
                        && !query.excluded.Contains(entry.AuthorId)
                        && !(overlapped && SqliteSql.ContainsSequence(session, query.logId, entry.Sequence)))
                    {
                        count += LogCount.One(entry.HighPriority);
                    }
                }

                return count;
            },
            cancellationToken);

    /// <summary>Through the writer, like an append: it commits with its batch and sees every append queued before it.</summary>
    public ValueTask<bool> ReviseAsync(string logId, long sequence, string entryId, string payload, bool counted, CancellationToken cancellationToken = default) =>
        new(store.WriteAsync(new LogRevise(logId, sequence, entryId, payload, counted, cancellationToken)));
}
