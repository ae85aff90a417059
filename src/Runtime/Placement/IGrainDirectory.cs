using System.Collections.Concurrent;

namespace Orleans.Chat.Runtime.Placement;

/// <summary>
/// Where each grain's single activation lives, for the whole cluster. <see cref="Register"/> returns the
/// silo that won: when it is not the caller, the caller must not keep its activation.
/// </summary>
internal interface IGrainDirectory
{
    SiloAddress Register(GrainId grainId, SiloAddress silo);

    SiloAddress? Lookup(GrainId grainId);

    void Unregister(GrainId grainId, SiloAddress silo);
}

/// <summary>The directory of a single silo.</summary>
internal sealed class LocalGrainDirectory : IGrainDirectory
{
    private readonly ConcurrentDictionary<GrainId, SiloAddress> _entries = new();

    public SiloAddress Register(GrainId grainId, SiloAddress silo) => _entries.GetOrAdd(grainId, silo);

    public SiloAddress? Lookup(GrainId grainId) => _entries.TryGetValue(grainId, out var silo) ? silo : null;

    public void Unregister(GrainId grainId, SiloAddress silo) => _entries.TryRemove(KeyValuePair.Create(grainId, silo));
}
