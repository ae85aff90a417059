using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Postgres;

internal sealed class PostgresGrainStorage(PostgresStore store, JsonGrainStateSerializer serializer)
    : GroupCommitGrainStorage(store.WriteAsync, serializer)
{
    protected override async Task<(long Version, byte[] Data)?> ReadRecordAsync(string stateName, GrainKey grainId, CancellationToken cancellationToken)
    {
        await using var command = await store.CommandAsync(PostgresSql.ReadState, cancellationToken).ConfigureAwait(false);
        PostgresSql.AddStateKey(command.Parameters, stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
    }
}
