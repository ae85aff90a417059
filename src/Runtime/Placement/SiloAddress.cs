namespace Orleans.Chat.Runtime.Placement;

/// <summary>Where an activation lives. Only the local silo exists until the cluster issue.</summary>
internal sealed record SiloAddress(string Host, int Port, long Generation)
{
    public static SiloAddress Local { get; } = new("localhost", 0, 0);

    public override string ToString() => $"{Host}:{Port}@{Generation}";
}
