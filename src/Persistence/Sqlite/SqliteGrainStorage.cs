using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Sqlite;

internal sealed class SqliteGrainStorage(SqliteStore store, IGrainStateSerializer serializer)
    : GroupCommitGrainStorage(store.WriteAsync, serializer)
{
    protected override async Task<(long Version, byte[] Data)?> ReadRecordAsync(string stateName, GrainId grainId, CancellationToken cancellationToken) =>
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
