using System.Globalization;
using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.InMemory;

/// <summary>
/// Grain state in a dictionary, with the same ETag rules as the durable providers. A cleared record keeps its
/// version as a tombstone so that an ETag from before the clear can never match again.
/// </summary>
internal sealed class InMemoryGrainStorage(IGrainStateSerializer serializer) : IGrainStorage
{
    private readonly Dictionary<(string StateName, GrainId GrainId), (long Version, byte[]? Data)> _records = [];
    private readonly Lock _lock = new();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        (long Version, byte[]? Data) record;
        bool found;
        lock (_lock)
        {
            found = _records.TryGetValue((stateName, grainId), out record);
        }

        if (!found || record.Data is null)
        {
            grainState.RecordExists = false;
            grainState.ETag = null;
            return Task.CompletedTask;
        }

        try
        {
            grainState.State = serializer.Deserialize<T>(record.Data);
        }
        catch (Exception exception)
        {
            return Task.FromException(exception);
        }

        grainState.ETag = FormatETag(record.Version);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        try
        {
            var data = serializer.Serialize(grainState.State);
            var version = Apply(stateName, grainId, grainState.ETag, data);
            grainState.ETag = FormatETag(version);
            grainState.RecordExists = true;
            return Task.CompletedTask;
        }
        catch (Exception exception)
        {
            return Task.FromException(exception);
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        try
        {
            Apply(stateName, grainId, grainState.ETag, null);
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
        catch (Exception exception)
        {
            return Task.FromException(exception);
        }
    }

    private long Apply(string stateName, GrainId grainId, string? eTag, byte[]? data)
    {
        lock (_lock)
        {
            var key = (stateName, grainId);
            var exists = _records.TryGetValue(key, out var record);
            var live = exists && record.Data is not null;
            var matches = eTag is null ? !live : live && eTag == FormatETag(record.Version);
            if (!matches)
            {
                throw StorageConflicts.GrainState(stateName, grainId, eTag, live ? FormatETag(record.Version) : null);
            }

            if (data is null && !exists)
            {
                return 0;
            }

            var version = record.Version + 1;
            _records[key] = (version, data);
            return version;
        }
    }

    private static string FormatETag(long version) => version.ToString(CultureInfo.InvariantCulture);
}
