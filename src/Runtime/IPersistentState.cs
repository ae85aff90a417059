namespace Orleans.Chat.Runtime;

/// <summary>
/// A grain's persisted state. Writes carry the ETag of the last read or write, so a stale activation's write
/// fails with <see cref="Storage.InconsistentStateException"/> instead of overwriting newer state.
/// </summary>
public interface IPersistentState<TState> where TState : new()
{
    TState State { get; set; }

    string? Etag { get; }

    bool RecordExists { get; }

    Task ReadStateAsync(CancellationToken cancellationToken = default);

    Task WriteStateAsync(CancellationToken cancellationToken = default);

    Task ClearStateAsync(CancellationToken cancellationToken = default);
}
