using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Sqlite;

internal sealed class SqliteGrainStorage(SqliteStore store, JsonGrainStateSerializer serializer)
    : GroupCommitGrainStorage(store.WriteAsync, serializer)
{
    protected override async Task<(long Version, byte[] Data)?> ReadRecordAsync(string stateName, GrainKey grainId, CancellationToken cancellationToken) =>
        await store.ReadAsync(
            (stateName, grainId),
            static (session, key) =>
            {
                var command = session.Command(SqliteSql.ReadState);
                SqliteStore.AddStateKey(command, key.stateName, key.grainId);
                using var reader = command.ExecuteReader();
                return reader.Read() ? (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)) : ((long, byte[])?)null;
            },
            cancellationToken).ConfigureAwait(false);
}
