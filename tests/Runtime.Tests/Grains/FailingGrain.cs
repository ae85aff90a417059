using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests.Grains;

public interface IFailingGrain : IGrainWithStringKey
{
    ValueTask ThrowAtOnceAsync(string message);

    ValueTask<int> ThrowAfterAwaitAsync(string message);

    /// <summary>Waits for the probe's gate named by the key: long enough to time out.</summary>
    ValueTask HangAsync();

    ValueTask<int> PingAsync();
}

public sealed class GrainTestException(string message) : Exception(message);

public sealed class FailingGrain(Probe probe) : Grain, IFailingGrain
{
    public ValueTask ThrowAtOnceAsync(string message) => throw new ArgumentException(message);

    public async ValueTask<int> ThrowAfterAwaitAsync(string message)
    {
        await Task.Yield();
        throw new GrainTestException(message);
    }

    public async ValueTask HangAsync() => await probe.Gate(GetPrimaryKeyString()).Task;

    public ValueTask<int> PingAsync() => new(1);
}

[GrainType("broken")]
public sealed class BrokenActivationGrain : Grain, IBrokenGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        throw new InvalidOperationException("activation refused");

    public ValueTask<int> PingAsync() => new(1);
}

public interface IBrokenGrain : IGrainWithStringKey
{
    ValueTask<int> PingAsync();
}
