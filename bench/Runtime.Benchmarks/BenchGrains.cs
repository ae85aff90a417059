namespace Orleans.Chat.Runtime.Benchmarks;

public interface IBenchGrain : IGrainWithStringKey
{
    ValueTask<int> AddAsync(int value);

    ValueTask<int> YieldAsync(int value);

    ValueTask<int> CallOtherAsync(int value);
}

public sealed class BenchGrain : Grain, IBenchGrain
{
    private int _total;
    private IBenchGrain? _other;

    public ValueTask<int> AddAsync(int value) => new(_total += value);

    public async ValueTask<int> YieldAsync(int value)
    {
        await Task.Yield();
        return _total += value;
    }

    public ValueTask<int> CallOtherAsync(int value)
    {
        _other ??= GrainFactory.GetGrain<IBenchGrain>(GetPrimaryKeyString() + "/other");
        return _other.AddAsync(value);
    }
}
