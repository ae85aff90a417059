using System.Collections.Concurrent;
using System.Text.Json;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Runtime.Tests.Infrastructure;

/// <summary>A small ETag-checking grain storage double: state is stored as JSON so readers get copies.</summary>
public sealed class InMemoryGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(string, GrainId), (string Json, string ETag)> _rows = new();
    private readonly Lock _lock = new();
    private long _version;

    public int WriteCount { get; private set; }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        if (_rows.TryGetValue((stateName, grainId), out var row))
        {
            grainState.State = JsonSerializer.Deserialize<T>(row.Json)!;
            grainState.ETag = row.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var stored = _rows.TryGetValue((stateName, grainId), out var row) ? row.ETag : null;
            if (stored != grainState.ETag)
            {
                throw new InconsistentStateException($"ETag mismatch writing {stateName} of {grainId}", stored, grainState.ETag);
            }

            var etag = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _rows[(stateName, grainId)] = (JsonSerializer.Serialize(grainState.State), etag);
            grainState.ETag = etag;
            grainState.RecordExists = true;
            WriteCount++;
        }

        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var stored = _rows.TryGetValue((stateName, grainId), out var row) ? row.ETag : null;
            if (stored != grainState.ETag)
            {
                throw new InconsistentStateException($"ETag mismatch clearing {stateName} of {grainId}", stored, grainState.ETag);
            }

            _rows.TryRemove((stateName, grainId), out _);
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public T? Peek<T>(string stateName, GrainId grainId) =>
        _rows.TryGetValue((stateName, grainId), out var row) ? JsonSerializer.Deserialize<T>(row.Json) : default;
}
