using System.Globalization;
using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Sqlite;

internal sealed class SqliteGrainStorage(SqliteStore store, IGrainStateSerializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        var record = await store.ReadAsync(
            (stateName, grainId),
            static (session, key) =>
            {
                var command = session.Command(SqliteSql.ReadState);
                SqliteStore.AddStateKey(command, key.stateName, key.grainId);
                using var reader = command.ExecuteReader();
                return reader.Read() ? (Version: reader.GetInt64(0), Data: reader.GetFieldValue<byte[]>(1)) : default;
            },
            cancellationToken).ConfigureAwait(false);

        if (record.Data is null)
        {
            grainState.RecordExists = false;
            grainState.ETag = null;
            return;
        }

        grainState.State = serializer.Deserialize<T>(record.Data);
        grainState.ETag = record.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        var data = serializer.Serialize(grainState.State);
        grainState.ETag = await store.WriteAsync(new GrainStateWrite(stateName, grainId, grainState.ETag, data, cancellationToken)).ConfigureAwait(false);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        await store.WriteAsync(new GrainStateWrite(stateName, grainId, grainState.ETag, null, cancellationToken)).ConfigureAwait(false);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }
}
