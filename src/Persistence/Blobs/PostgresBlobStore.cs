using System.Buffers;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using Orleans.Chat.Persistence.Postgres;

namespace Orleans.Chat.Persistence.Blobs;

/// <summary>
/// Blobs on PostgreSQL, in the store's schema (tables <c>blobs</c> and <c>blob_chunks</c>, migration 6): a blob is a
/// row that names it and rows of <see cref="ChunkSize"/> bytes. A write inserts them as the content arrives, in one
/// transaction, so an interrupted write rolls back whole. Rows rather than PostgreSQL large objects because large
/// objects live outside any schema (in the database's <c>pg_largeobject</c>), so the schema would no longer hold all
/// of the store, and a large object outlives the row that names it unless someone unlinks it; rows are deleted with
/// their blob by one cascading DELETE and are copied, replicated and dropped with the schema like everything else.
/// </summary>
internal sealed class PostgresBlobStore(PostgresStore store) : IBlobStore
{
    /// <summary>The bytes of one chunk row: what a write or an open read holds in memory.</summary>
    internal const int ChunkSize = 256 * 1024;

    public async ValueTask<long> WriteAsync(string name, Stream content, long maxBytes, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // Until the commit nobody sees the blob; whatever throws before it, disposing the transaction rolls it all back.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await InsertBlobAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false);

        var limited = new SizeLimitedStream(content, maxBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            await using var insert = new NpgsqlCommand("INSERT INTO blob_chunks (name, seq, data) VALUES ($1, $2, $3)", connection, transaction);
            var seq = new NpgsqlParameter<int>();
            var data = new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea };
            insert.Parameters.Add(PostgresSql.Text(name));
            insert.Parameters.Add(seq);
            insert.Parameters.Add(data);
            for (var index = 0; ; index++)
            {
                var length = await limited.ReadAtLeastAsync(buffer.AsMemory(0, ChunkSize), ChunkSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (length > 0)
                {
                    seq.TypedValue = index;
                    data.TypedValue = buffer.AsMemory(0, length);
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                if (length < ChunkSize)
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await using (var size = new NpgsqlCommand("UPDATE blobs SET size = $2 WHERE name = $1", connection, transaction))
        {
            size.Parameters.Add(PostgresSql.Text(name));
            size.Parameters.Add(PostgresSql.Bigint(limited.BytesRead));
            await size.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return limited.BytesRead;
    }

    public async ValueTask<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        await using var command = await store.CommandAsync("SELECT size, chunk_size FROM blobs WHERE name = $1", cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(name));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new PostgresBlobReadStream(store.DataSource, name, reader.GetInt64(0), reader.GetInt32(1))
            : null;
    }

    public async ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        await using var command = await store.CommandAsync("DELETE FROM blobs WHERE name = $1", cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(name));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async IAsyncEnumerable<string> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync("SELECT name FROM blobs", cancellationToken).ConfigureAwait(false);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.GetString(0);
        }
    }

    /// <summary>The blob's row, first: a name that is taken fails here, before any content is read.</summary>
    private static async Task InsertBlobAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("INSERT INTO blobs (name, size, chunk_size) VALUES ($1, 0, $2)", connection, transaction);
        insert.Parameters.Add(PostgresSql.Text(name));
        insert.Parameters.Add(PostgresSql.Integer(ChunkSize));
        try
        {
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new IOException($"Blob '{name}' exists.", exception);
        }
    }
}
