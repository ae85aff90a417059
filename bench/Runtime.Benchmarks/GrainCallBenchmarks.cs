using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Messaging;

namespace Orleans.Chat.Runtime.Benchmarks;

/// <summary>
/// Local grain calls through the runtime. Each benchmark makes <see cref="Calls"/> calls, so BenchmarkDotNet's
/// time and allocation figures are per call: calls/s = 1e9 / Mean(ns).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(CallsPerSecondConfig))]
public class GrainCallBenchmarks
{
    public const int Calls = 10_000;

    private ServiceProvider _services = null!;
    private IBenchGrain _generated = null!;
    private IBenchGrain _proxy = null!;
    private IBenchGrain _caller = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddSilo(silo => silo.AddGrains(typeof(BenchGrain).Assembly));
        _services = services.BuildServiceProvider();
        var factory = _services.GetRequiredService<IGrainFactory>();
        _generated = factory.GetGrain<IBenchGrain>("generated");
        _caller = factory.GetGrain<IBenchGrain>("caller");
        _proxy = DispatchProxyReference.Create<IBenchGrain>(_services.GetRequiredService<Dispatcher>(), new GrainId("Bench", "proxy"));

        // Activate every grain before measuring.
        _generated.AddAsync(0).AsTask().GetAwaiter().GetResult();
        _proxy.AddAsync(0).AsTask().GetAwaiter().GetResult();
        _caller.CallOtherAsync(0).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls, Description = "sync method, generated reference")]
    public async ValueTask<int> SyncGenerated()
    {
        var sum = 0;
        for (var i = 0; i < Calls; i++)
        {
            sum += await _generated.AddAsync(1);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "sync method, DispatchProxy reference")]
    public async ValueTask<int> SyncDispatchProxy()
    {
        var sum = 0;
        for (var i = 0; i < Calls; i++)
        {
            sum += await _proxy.AddAsync(1);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "grain-to-grain sync call")]
    public async ValueTask<int> GrainToGrain()
    {
        var sum = 0;
        for (var i = 0; i < Calls; i++)
        {
            sum += await _caller.CallOtherAsync(1);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "method awaiting Task.Yield")]
    public async ValueTask<int> AsyncYield()
    {
        var sum = 0;
        for (var i = 0; i < Calls; i++)
        {
            sum += await _generated.YieldAsync(1);
        }

        return sum;
    }
}
