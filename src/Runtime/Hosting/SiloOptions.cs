namespace Orleans.Chat.Runtime.Hosting;

/// <summary>When idle activations are collected.</summary>
public sealed class GrainCollectionOptions
{
    /// <summary>An activation that has handled no call for this long is deactivated.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the collector looks for idle activations.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>How grain calls behave.</summary>
public sealed class SiloMessagingOptions
{
    /// <summary>A call that has no response after this long fails its caller with a <see cref="TimeoutException"/>.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
