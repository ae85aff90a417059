using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests.Grains;

public interface IReentrantGrain : IGrainWithStringKey
{
    ValueTask WaitForGateAsync();

    ValueTask OpenGateAsync();

    ValueTask<int> YieldManyTimesAsync(int times);

    ValueTask<int> EchoAfterAsync(int value, int delayMs);
}

[Reentrant]
public sealed class ReentrantGrain(Probe probe) : Grain, IReentrantGrain
{
    private int _value;

    public async ValueTask WaitForGateAsync() => await probe.Gate(GetPrimaryKeyString()).Task;

    public ValueTask OpenGateAsync()
    {
        probe.Gate(GetPrimaryKeyString()).TrySetResult();
        return default;
    }

    public async ValueTask<int> EchoAfterAsync(int value, int delayMs)
    {
        if (delayMs == 0)
        {
            await Task.Yield();
        }
        else
        {
            await Task.Delay(delayMs);
        }

        return value;
    }

    public async ValueTask<int> YieldManyTimesAsync(int times)
    {
        for (var i = 0; i < times; i++)
        {
            probe.Enter();
            _value++;
            Thread.SpinWait(20);
            probe.Exit();
            await Task.Yield();
        }

        return _value;
    }
}

public interface IInterleaveGrain : IGrainWithStringKey
{
    ValueTask WaitForGateAsync();

    [AlwaysInterleave]
    ValueTask OpenGateAsync();

    [ReadOnly]
    ValueTask<int> ReadAsync(string gate);

    ValueTask WriteAsync();

    [ReadOnly]
    ValueTask<int> MaxReadersAsync();

    ValueTask<string?> ReadAmbientAsync();
}

public sealed class InterleaveGrain(Probe probe) : Grain, IInterleaveGrain
{
    private int _readers;
    private int _maxReaders;
    private int _writes;

    public async ValueTask WaitForGateAsync() => await probe.Gate(GetPrimaryKeyString()).Task;

    public ValueTask OpenGateAsync()
    {
        probe.Gate(GetPrimaryKeyString()).TrySetResult();
        return default;
    }

    public async ValueTask<int> ReadAsync(string gate)
    {
        _readers++;
        _maxReaders = Math.Max(_maxReaders, _readers);
        probe.Record("read-start");
        await probe.Gate(gate).Task;
        _readers--;
        probe.Record("read-end");
        return _writes;
    }

    public ValueTask WriteAsync()
    {
        probe.Record(_readers == 0 ? "write" : "write-while-reading");
        _writes++;
        return default;
    }

    public ValueTask<int> MaxReadersAsync() => new(_maxReaders);

    public ValueTask<string?> ReadAmbientAsync() => new(Probe.Ambient.Value);
}
