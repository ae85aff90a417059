using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orleans.Chat.Grains.Benchmarks;

/// <summary>
/// Grain calls on an Orleans silo co-hosted in this process, as the Api hosts it. Each benchmark makes
/// <see cref="Calls"/> calls, so BenchmarkDotNet's time and allocation figures are per call: calls/s = 1e9 / ns.
/// The allocation figure counts every thread of the process (the silo's included), not only the caller's.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GrainBenchmarkConfig))]
public class GrainCallBenchmarks
{
    public const int Calls = 10_000;

    /// <summary>One-way calls sent before waiting for them to arrive (a notification fan-out sends a few at a time).</summary>
    public const int Burst = 100;

    private const long ClientEchoKey = 1;
    private const long InnerEchoKey = 2;

    private static readonly Ping Ping = new(1, "ping");
    private static readonly CopiedPing CopiedPing = new(1, "ping");

    private IHost _host = null!;
    private IGrainFactory _grains = null!;
    private IEchoGrain _echo = null!;
    private ICallerGrain _caller = null!;
    private ISinkGrain _sink = null!;
    private BenchObserver _observer = null!;
    private IBenchObserver _observerReference = null!;
    private long _sinkSent;
    private long _observerSent;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls, Description = "client -> grain, immutable record in and out")]
    public async ValueTask<int> ClientCall()
    {
        var sum = 0;
        for (var i = 0; i < Calls; i++)
        {
            sum += (await _echo.EchoAsync(Ping)).Sequence;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "client -> grain, same records without [Immutable]")]
    public async ValueTask<int> ClientCallCopied()
    {
        var sum = 0;
        for (var i = 0; i < Calls; i++)
        {
            sum += (await _echo.EchoCopiedAsync(CopiedPing)).Sequence;
        }

        return sum;
    }

    /// <summary>One client call in which a grain awaits <see cref="Calls"/> calls to another grain, one at a time.</summary>
    [Benchmark(OperationsPerInvoke = Calls, Description = "grain -> grain (per inner call)")]
    public ValueTask<int> GrainToGrain() => _caller.CallEchoAsync(InnerEchoKey, Calls);

    /// <summary>
    /// <see cref="Calls"/> one-way calls in bursts of <see cref="Burst"/>, each burst followed by a wait until the grain
    /// has received all of it (one two-way call per burst, so about 1 % of the figure).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Calls, Description = "client -> grain [OneWay], bursts of 100")]
    public async ValueTask ClientOneWay()
    {
        for (var burst = 0; burst < Calls / Burst; burst++)
        {
            for (var i = 0; i < Burst; i++)
            {
                await _sink.NotifyAsync(Ping);
            }

            _sinkSent += Burst;
            await _sink.WaitForAsync(_sinkSent);
        }
    }

    /// <summary>
    /// The same <see cref="Calls"/> one-way calls in one burst: the grain's queue holds thousands of messages, and an
    /// activation's queue is a list that it takes messages from the front of, so each message costs more the longer
    /// the queue is.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Calls, Description = "client -> grain [OneWay], one burst of 10,000")]
    public async ValueTask ClientOneWayFlood()
    {
        for (var i = 0; i < Calls; i++)
        {
            await _sink.NotifyAsync(Ping);
        }

        _sinkSent += Calls;
        await _sink.WaitForAsync(_sinkSent);
    }

    /// <summary>
    /// A grain sends one-way calls to an observer object of this process (as a user grain notifies the Api's
    /// observer), in bursts of <see cref="Burst"/>, each followed by a wait until the observer has received all of it.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Calls, Description = "grain -> client observer [OneWay], bursts of 100")]
    public async ValueTask GrainToObserverOneWay()
    {
        for (var burst = 0; burst < Calls / Burst; burst++)
        {
            await _caller.NotifyObserverAsync(_observerReference, Burst);
            _observerSent += Burst;
            await _observer.WaitForAsync(_observerSent);
        }
    }

    private async Task SetupAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        // A free port of our own for the silo (the machine is shared); no gateway: the client is the co-hosted one.
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort: FreeLoopbackPort(), gatewayPort: 0));
        _host = builder.Build();
        await _host.StartAsync();

        _grains = _host.Services.GetRequiredService<IClusterClient>();
        _echo = _grains.GetGrain<IEchoGrain>(ClientEchoKey);
        _caller = _grains.GetGrain<ICallerGrain>(1);
        _sink = _grains.GetGrain<ISinkGrain>(1);
        _observer = new BenchObserver();
        _observerReference = _grains.CreateObjectReference<IBenchObserver>(_observer);

        // Activate every grain and warm every path before measuring.
        await _echo.EchoAsync(Ping);
        await _echo.EchoCopiedAsync(CopiedPing);
        await _caller.CallEchoAsync(InnerEchoKey, 1);
        await _sink.NotifyAsync(Ping);
        await _sink.WaitForAsync(++_sinkSent);
        await _caller.NotifyObserverAsync(_observerReference, 1);
        await _observer.WaitForAsync(++_observerSent);
    }

    private async Task CleanupAsync()
    {
        // Takes the reference CreateObjectReference returned, not the object (that throws ArgumentException).
        _grains.DeleteObjectReference<IBenchObserver>(_observerReference);
        await _host.StopAsync();
        _host.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
