using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests.Grains;

public interface ICounterGrain : IGrainWithStringKey
{
    ValueTask<int> IncrementAsync();

    /// <summary>Reads, yields, writes: a lost update shows any interleaving.</summary>
    ValueTask<int> IncrementWithYieldAsync();

    ValueTask<int> GetAsync();

    ValueTask SaveAsync(int value);

    ValueTask<int> GetStoredAsync();

    Task<string> GetKeyAsync();

    Task<int> GetTaskAsync();

    Task DeactivateAsync();

    [OneWay]
    ValueTask AddLaterAsync(string gate);
}

public sealed class CounterState
{
    public int Value { get; set; }
}

public sealed class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> state, Probe probe) : Grain, ICounterGrain
{
    private int _count;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Record($"activate:{GetPrimaryKeyString()}:{state.State.Value}");
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record($"deactivate:{GetPrimaryKeyString()}:{reason.ReasonCode}");
        return Task.CompletedTask;
    }

    public ValueTask<int> IncrementAsync() => new(++_count);

    public async ValueTask<int> IncrementWithYieldAsync()
    {
        probe.Enter();
        var value = _count;
        probe.Exit();
        await Task.Yield();
        probe.Enter();
        _count = value + 1;
        probe.Exit();
        return _count;
    }

    public ValueTask<int> GetAsync() => new(_count);

    public async ValueTask SaveAsync(int value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public ValueTask<int> GetStoredAsync() => new(state.State.Value);

    public Task<string> GetKeyAsync() => Task.FromResult(GetPrimaryKeyString());

    public async Task<int> GetTaskAsync()
    {
        await Task.Yield();
        return _count;
    }

    public async ValueTask AddLaterAsync(string gate)
    {
        await probe.Gate(gate).Task;
        _count++;
    }

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
