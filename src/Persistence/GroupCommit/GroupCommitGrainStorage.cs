using System.Globalization;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.GroupCommit;

/// <summary>
/// Orleans grain storage over a store with a group-commit writer: writes and clears go through the writer (which checks
/// the ETag, a row version, inside the batch's transaction, and throws <see cref="InconsistentStateException"/> on a
/// mismatch); each store only says how it reads one record. Written by hand because Orleans has no SQLite provider, and
/// because its ADO.NET provider commits every write in a transaction of its own, where this one shares a commit among
/// every write queued meanwhile (group commit on and off: bench/Storage.Benchmarks/README.md).
/// </summary>
internal abstract class GroupCommitGrainStorage(Func<StorageWrite<string?>, Task<string?>> write, IGrainStorageSerializer serializer) : IGrainStorage
{
    /// <summary>The stored version and data of one grain's state, or null when there is no record.</summary>
    protected abstract Task<(long Version, byte[] Data)?> ReadRecordAsync(string stateName, GrainKey grainId, CancellationToken cancellationToken);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        if (await ReadRecordAsync(stateName, GrainKey.Of(grainId), cancellationToken).ConfigureAwait(false) is not { } record)
        {
            grainState.RecordExists = false;
            grainState.ETag = null;
            return;
        }

        grainState.State = serializer.Deserialize<T>(new BinaryData(record.Data))!;
        grainState.ETag = record.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var data = serializer.Serialize(grainState.State).ToArray();
        grainState.ETag = await write(new GrainStateWrite(stateName, GrainKey.Of(grainId), grainState.ETag, data, cancellationToken)).ConfigureAwait(false);
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        await write(new GrainStateWrite(stateName, GrainKey.Of(grainId), grainState.ETag, null, cancellationToken)).ConfigureAwait(false);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }
}
