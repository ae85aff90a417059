namespace Orleans.Chat.Runtime.Storage;

/// <summary>What the activation needs of a persistent state: to read it before OnActivateAsync.</summary>
internal interface IPersistentStateLoader
{
    Task ReadStateAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A grain's named state over an <see cref="IGrainStorage"/>. The provider keeps <see cref="Etag"/> current on
/// every read and write, so a write from a stale copy fails with <see cref="InconsistentStateException"/>.
/// </summary>
internal sealed class PersistentState<TState>(string stateName, GrainId grainId, IGrainStorage storage)
    : IPersistentState<TState>, IGrainState<TState>, IPersistentStateLoader
    where TState : new()
{
    public TState State { get; set; } = new();

    public string? Etag => ETag;

    public string? ETag { get; set; }

    public bool RecordExists { get; set; }

    public string StateName => stateName;

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        await storage.ReadStateAsync(stateName, grainId, this, cancellationToken);
        State ??= new TState();
    }

    public Task WriteStateAsync(CancellationToken cancellationToken = default) =>
        storage.WriteStateAsync(stateName, grainId, this, cancellationToken);

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        await storage.ClearStateAsync(stateName, grainId, this, cancellationToken);
        State = new TState();
    }
}
