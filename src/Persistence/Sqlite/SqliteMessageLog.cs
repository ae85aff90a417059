using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Sqlite;

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

        return await store.ReadAsync(
            (logId, fromSequence, direction, limit),
            static (session, query) =>
            {
                var command = session.Command(query.direction == LogDirection.Forward ? SqliteSql.ReadForward : SqliteSql.ReadBackward);
                command.Parameters.AddWithValue("@log", query.logId);
                command.Parameters.AddWithValue("@from", query.fromSequence);
                command.Parameters.AddWithValue("@limit", query.limit);
                return SqliteSql.ReadEntries(command, query.limit);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<LogEntry?> FindByIdAsync(string logId, string entryId, CancellationToken cancellationToken = default) =>
        store.ReadAsync(
            (logId, entryId),
            static (session, key) =>
            {
                var command = session.Command(SqliteSql.FindEntryById);
                command.Parameters.AddWithValue("@log", key.logId);
                command.Parameters.AddWithValue("@id", key.entryId);
                return SqliteSql.ReadEntries(command, 1) is [var entry] ? entry : null;
            },
            cancellationToken);

    public ValueTask<LogEntry?> FindByIdempotencyKeyAsync(string logId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        store.ReadAsync((logId, idempotencyKey), static (session, key) => SqliteSql.FindByIdempotencyKey(session, key.logId, key.idempotencyKey), cancellationToken);

    public ValueTask<long> GetLastSequenceAsync(string logId, CancellationToken cancellationToken = default) =>
        store.ReadAsync(
            logId,
            static (session, logId) =>
            {
                var command = session.Command(SqliteSql.LastSequence);
                command.Parameters.AddWithValue("@log", logId);
                return (long)command.ExecuteScalar()!;
            },
            cancellationToken);

    public ValueTask<int> CountAfterAsync(string logId, long afterSequence, string? excludedAuthorId, CancellationToken cancellationToken = default) =>
        store.ReadAsync(
            (logId, afterSequence, excludedAuthorId),
            static (session, query) =>
            {
                var command = session.Command(SqliteSql.CountAfter);
                command.Parameters.AddWithValue("@log", query.logId);
                command.Parameters.AddWithValue("@after", query.afterSequence);
                command.Parameters.AddWithValue("@author", (object?)query.excludedAuthorId ?? DBNull.Value);
                return (int)(long)command.ExecuteScalar()!;
            },
            cancellationToken);
}
