using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Benchmarks;

/// <summary>The argument of the measured calls: small, immutable, so a local call passes it without a copy.</summary>
[GenerateSerializer, Immutable, Alias("Orleans.Chat.Grains.Benchmarks.Ping")]
public sealed record Ping([Id(0)] int Sequence, [Id(1)] string Text);

/// <summary>The result of <see cref="IEchoGrain.EchoAsync"/>: small and immutable, like <see cref="Ping"/>.</summary>
[GenerateSerializer, Immutable, Alias("Orleans.Chat.Grains.Benchmarks.Pong")]
public sealed record Pong([Id(0)] int Sequence, [Id(1)] int Total);

/// <summary>
/// <see cref="Ping"/> without <c>[Immutable]</c>: Orleans deep-copies it on a local call. Measured only to show what
/// <c>[Immutable]</c> saves.
/// </summary>
[GenerateSerializer, Alias("Orleans.Chat.Grains.Benchmarks.CopiedPing")]
public sealed record CopiedPing([Id(0)] int Sequence, [Id(1)] string Text);

/// <summary><see cref="Pong"/> without <c>[Immutable]</c>.</summary>
[GenerateSerializer, Alias("Orleans.Chat.Grains.Benchmarks.CopiedPong")]
public sealed record CopiedPong([Id(0)] int Sequence, [Id(1)] int Total);

/// <summary>A trivial grain: every method completes synchronously.</summary>
[Alias("Orleans.Chat.Grains.Benchmarks.IEchoGrain")]
public interface IEchoGrain : IGrainWithIntegerKey
{
    [Alias("Echo")]
    ValueTask<Pong> EchoAsync(Ping ping);

    [Alias("EchoCopied")]
    ValueTask<CopiedPong> EchoCopiedAsync(CopiedPing ping);
}

public sealed class EchoGrain : Grain, IEchoGrain
{
    private int _total;

    public ValueTask<Pong> EchoAsync(Ping ping) => new(new Pong(ping.Sequence, ++_total));

    public ValueTask<CopiedPong> EchoCopiedAsync(CopiedPing ping) => new(new CopiedPong(ping.Sequence, ++_total));
}

/// <summary>Receives one-way calls and tells when a number of them has arrived.</summary>
[Alias("Orleans.Chat.Grains.Benchmarks.ISinkGrain")]
public interface ISinkGrain : IGrainWithIntegerKey
{
    [OneWay, Alias("Notify")]
    ValueTask NotifyAsync(Ping ping);

    /// <summary>Completes once <paramref name="total"/> notifications have arrived since activation.</summary>
    [AlwaysInterleave, Alias("WaitFor")]
    ValueTask WaitForAsync(long total);
}

public sealed class SinkGrain : Grain, ISinkGrain
{
    // Every turn of this activation runs on its scheduler one at a time, so these need no lock.
    private readonly NotificationCounter _counter = new();

    public ValueTask NotifyAsync(Ping ping)
    {
        _counter.Add();
        return default;
    }

    public ValueTask WaitForAsync(long total) => new(_counter.WaitForAsync(total));
}

/// <summary>A client-side object that grains call back, like the Api's user observers.</summary>
[Alias("Orleans.Chat.Grains.Benchmarks.IBenchObserver")]
public interface IBenchObserver : IGrainObserver
{
    [OneWay, Alias("OnEvent")]
    ValueTask OnEventAsync(Ping ping);
}

public sealed class BenchObserver : IBenchObserver
{
    private readonly Lock _lock = new();
    private readonly NotificationCounter _counter = new();

    public ValueTask OnEventAsync(Ping ping)
    {
        lock (_lock)
        {
            _counter.Add();
        }

        return default;
    }

    /// <summary>Completes once <paramref name="total"/> events have arrived since creation.</summary>
    public Task WaitForAsync(long total)
    {
        lock (_lock)
        {
            return _counter.WaitForAsync(total);
        }
    }
}

/// <summary>Calls other grains and observers in a loop, so that only the inner calls count.</summary>
[Alias("Orleans.Chat.Grains.Benchmarks.ICallerGrain")]
public interface ICallerGrain : IGrainWithIntegerKey
{
    /// <summary>Awaits <paramref name="calls"/> calls of <see cref="IEchoGrain.EchoAsync"/> one after the other.</summary>
    [Alias("CallEcho")]
    ValueTask<int> CallEchoAsync(long echoKey, int calls);

    /// <summary>Sends <paramref name="calls"/> one-way events to <paramref name="observer"/>.</summary>
    [Alias("NotifyObserver")]
    ValueTask NotifyObserverAsync(IBenchObserver observer, int calls);
}

public sealed class CallerGrain : Grain, ICallerGrain
{
    private static readonly Ping Ping = new(1, "ping");

    public async ValueTask<int> CallEchoAsync(long echoKey, int calls)
    {
        var echo = GrainFactory.GetGrain<IEchoGrain>(echoKey);
        var sum = 0;
        for (var i = 0; i < calls; i++)
        {
            sum += (await echo.EchoAsync(Ping)).Sequence;
        }

        return sum;
    }

    public async ValueTask NotifyObserverAsync(IBenchObserver observer, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            // One-way: completes as soon as the message is handed over.
            await observer.OnEventAsync(Ping);
        }
    }
}

/// <summary>Counts arrivals and completes a waiter at a total. Not thread-safe: callers serialize.</summary>
internal sealed class NotificationCounter
{
    private long _received;
    private long _target = long.MaxValue;
    private TaskCompletionSource? _waiter;

    public void Add()
    {
        if (++_received >= _target)
        {
            var waiter = _waiter!;
            _waiter = null;
            _target = long.MaxValue;
            waiter.SetResult();
        }
    }

    public Task WaitForAsync(long total)
    {
        if (_received >= total)
        {
            return Task.CompletedTask;
        }

        _target = total;
        _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _waiter.Task;
    }
}
