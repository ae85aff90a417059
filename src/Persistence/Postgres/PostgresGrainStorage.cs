using System.Globalization;
using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Postgres;

internal sealed class PostgresGrainStorage(PostgresStore store, IGrainStateSerializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(PostgresSql.ReadState, cancellationToken).ConfigureAwait(false);
        PostgresSql.AddStateKey(command.Parameters, stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            grainState.RecordExists = false;
            grainState.ETag = null;
            return;
        }

        var version = reader.GetInt64(0);
        grainState.State = serializer.Deserialize<T>(reader.GetFieldValue<byte[]>(1));
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
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
