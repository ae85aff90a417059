namespace Orleans.Chat.Runtime.Placement;

/// <summary>Chooses the silo on which a grain without an activation is activated.</summary>
internal interface IPlacementDirector
{
    SiloAddress Place(GrainId grainId);
}

/// <summary>One silo: every grain is placed here.</summary>
internal sealed class LocalPlacementDirector : IPlacementDirector
{
    public SiloAddress Place(GrainId grainId) => SiloAddress.Local;
}
