using Npgsql;
using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Postgres;

internal sealed class PostgresMessageLog(PostgresStore store) : IMessageLog
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

        await using var command = await store.CommandAsync(direction == LogDirection.Forward ? PostgresSql.ReadForward : PostgresSql.ReadBackward, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(logId));
        command.Parameters.Add(PostgresSql.Bigint(fromSequence));
        command.Parameters.Add(PostgresSql.Integer(limit));
        return await ReadEntriesAsync(command, limit, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<LogEntry?> FindByIdAsync(string logId, string entryId, CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(PostgresSql.FindEntryById, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(logId));
        command.Parameters.Add(PostgresSql.Text(entryId));
        return await ReadEntriesAsync(command, 1, cancellationToken).ConfigureAwait(false) is [var entry] ? entry : null;
    }

    public async ValueTask<LogEntry?> FindByIdempotencyKeyAsync(string logId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(PostgresSql.FindEntryByKey, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(logId));
        command.Parameters.Add(PostgresSql.Text(idempotencyKey));
        return await ReadEntriesAsync(command, 1, cancellationToken).ConfigureAwait(false) is [var entry] ? entry : null;
    }

    public async ValueTask<long> GetLastSequenceAsync(string logId, CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(PostgresSql.LastSequence, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(logId));
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async ValueTask<LogCount> CountAsync(string logId, long afterSequence, long upToSequence, IReadOnlyCollection<string>? excludedAuthorIds, CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(PostgresSql.Count, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(logId));
        command.Parameters.Add(PostgresSql.Bigint(afterSequence));
        command.Parameters.Add(PostgresSql.Bigint(upToSequence));
        command.Parameters.Add(PostgresSql.TextArray(excludedAuthorIds));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new LogCount(checked((int)reader.GetInt64(0)), checked((int)reader.GetInt64(1)));
    }

    private static async Task<List<LogEntry>> ReadEntriesAsync(NpgsqlCommand command, int limit, CancellationToken cancellationToken)
    {
        var entries = new List<LogEntry>(Math.Min(limit, 1024));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(PostgresSql.ReadEntry(reader));
        }

        return entries;
    }

    /// <summary>Through the writer, like an append: it commits with its batch and sees every append queued before it.</summary>
    public ValueTask<bool> ReviseAsync(string logId, long sequence, string entryId, string payload, bool counted, CancellationToken cancellationToken = default) =>
        new(store.WriteAsync(new LogRevise(logId, sequence, entryId, payload, counted, cancellationToken)));
}
