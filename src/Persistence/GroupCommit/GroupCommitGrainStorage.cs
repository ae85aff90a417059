using System.Globalization;
using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.GroupCommit;

/// <summary>
/// Grain storage over a store with a group-commit writer: writes and clears go through the writer (which checks the
/// ETag, a row version, inside the batch's transaction); each store only says how it reads one record.
/// </summary>
internal abstract class GroupCommitGrainStorage(Func<StorageWrite<string?>, Task<string?>> write, IGrainStateSerializer serializer) : IGrainStorage
{
    /// <summary>The stored version and data of one grain's state, or null when there is no record.</summary>
    protected abstract Task<(long Version, byte[] Data)?> ReadRecordAsync(string stateName, GrainId grainId, CancellationToken cancellationToken);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        if (await ReadRecordAsync(stateName, grainId, cancellationToken).ConfigureAwait(false) is not { } record)
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
        grainState.ETag = await write(new GrainStateWrite(stateName, grainId, grainState.ETag, data, cancellationToken)).ConfigureAwait(false);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        await write(new GrainStateWrite(stateName, grainId, grainState.ETag, null, cancellationToken)).ConfigureAwait(false);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }
}
