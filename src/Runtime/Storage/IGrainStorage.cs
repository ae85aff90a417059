namespace Orleans.Chat.Runtime.Storage;

/// <summary>The state of one grain as a storage provider sees it.</summary>
public interface IGrainState<T>
{
    T State { get; set; }

    /// <summary>The version the provider last read or wrote; null when no record exists.</summary>
    string? ETag { get; set; }

    bool RecordExists { get; set; }
}

/// <summary>
/// Stores grain state with optimistic concurrency: a write or clear whose <see cref="IGrainState{T}.ETag"/>
/// is not the stored one throws <see cref="InconsistentStateException"/> and changes nothing.
/// </summary>
public interface IGrainStorage
{
    Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default);

    Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default);

    Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default);
}

/// <summary>The stored ETag is not the one the writer had read: another activation wrote in between.</summary>
public sealed class InconsistentStateException(string message, string? storedEtag, string? currentEtag) : Exception(message)
{
    public string? StoredEtag { get; } = storedEtag;

    public string? CurrentEtag { get; } = currentEtag;
}
