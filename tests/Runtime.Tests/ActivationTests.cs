using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Runtime.Catalog;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Tests.Grains;
using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests;

public sealed class ActivationTests
{
    [Fact]
    public async Task GetGrain_FirstCall_ActivatesOnceAndRunsOnActivate()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>(key);

        Assert.Empty(silo.Probe.Events);
        Assert.Equal(1, await grain.IncrementAsync());
        Assert.Equal(2, await silo.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync());

        Assert.Equal([$"activate:{key}:0"], silo.Probe.Events);
        Assert.Equal(key, await grain.GetKeyAsync());
    }

    [Fact]
    public async Task GetGrain_ConcurrentFirstCalls_ShareOneActivation()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();

        var results = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(_ => Task.Run(async () => await silo.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync())));

        Assert.Equal(Enumerable.Range(1, 200), results.Order());
        Assert.Equal(1, silo.Probe.Count($"activate:{key}:0"));
    }

    [Fact]
    public async Task StopHost_ActiveGrains_RunOnDeactivateWithShuttingDown()
    {
        var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        await silo.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();

        await silo.DisposeAsync();

        Assert.Contains($"deactivate:{key}:{DeactivationReasonCode.ShuttingDown}", silo.Probe.Events);
    }

    [Fact]
    public async Task StopHost_StorageServiceRegisteredAfterSilo_GrainsDeactivateBeforeItStops()
    {
        var probe = new Probe();
        var silo = await TestSilo.StartAsync(services => services.AddHostedService(_ => new StoppingService(probe)), probe: probe);
        var key = Guid.NewGuid().ToString();
        await silo.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();

        await silo.DisposeAsync();

        Assert.Equal([$"deactivate:{key}:ShuttingDown", "storage-stopped"], probe.Events.Where(e => !e.StartsWith("activate", StringComparison.Ordinal)));
    }

    private sealed class StoppingService(Probe probe) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            probe.Record("storage-stopped");
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task DeactivateOnIdle_NextCall_CreatesNewActivationWithStoredState()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>(key);
        await grain.SaveAsync(42);
        await grain.IncrementAsync();

        await grain.DeactivateAsync();
        await Probe.WaitUntilAsync(
            () => silo.Probe.Events.Contains($"deactivate:{key}:{DeactivationReasonCode.ApplicationRequested}"),
            TimeSpan.FromSeconds(5),
            "deactivation");

        Assert.Equal(1, await grain.IncrementAsync());
        Assert.Equal(42, await grain.GetStoredAsync());
        Assert.Contains($"activate:{key}:42", silo.Probe.Events);
    }

    [Fact]
    public async Task IdleCollector_ActivationIdlePastCollectionAge_IsDeactivatedAndReactivatedWithState()
    {
        await using var silo = await TestSilo.StartAsync(services => services.Configure<GrainCollectionOptions>(o =>
        {
            o.CollectionAge = TimeSpan.FromMilliseconds(200);
            o.CollectionQuantum = TimeSpan.FromMilliseconds(50);
        }));
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>(key);
        await grain.SaveAsync(7);
        await grain.IncrementAsync();

        await Probe.WaitUntilAsync(
            () => silo.Probe.Events.Contains($"deactivate:{key}:{DeactivationReasonCode.ActivationIdle}"),
            TimeSpan.FromSeconds(5),
            "idle collection");

        await Probe.WaitUntilAsync(
            () => silo.Services.GetRequiredService<GrainCatalog>().Count == 0, TimeSpan.FromSeconds(5), "the catalog to forget it");
        Assert.Equal(0, await grain.GetAsync());
        Assert.Equal(7, await grain.GetStoredAsync());
        Assert.Equal([$"activate:{key}:0", $"deactivate:{key}:ActivationIdle", $"activate:{key}:7"], silo.Probe.Events.Take(3));
    }

    [Fact]
    public async Task IdleCollector_ActivationInUse_IsNotCollected()
    {
        await using var silo = await TestSilo.StartAsync(services => services.Configure<GrainCollectionOptions>(o =>
        {
            o.CollectionAge = TimeSpan.FromSeconds(3);
            o.CollectionQuantum = TimeSpan.FromMilliseconds(50);
        }));
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>(key);

        // 4 s of calls 100 ms apart: older than the collection age in total, never idle that long. On the thread pool,
        // not on xunit's two test threads: other test classes running there in parallel could hold this loop's
        // continuation past the age (two fresh-clone CI runs saw the activation collected that way).
        await Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await grain.IncrementAsync();
                await Task.Delay(100);
            }
        });

        Assert.Equal(41, await grain.IncrementAsync());
        Assert.Equal(1, silo.Probe.Count($"activate:{key}:0"));
    }

    [Fact]
    public async Task GetGrain_OnActivateThrows_CallerGetsTheExceptionAndNextCallRetries()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GrainFactory.GetGrain<IBrokenGrain>("x");

        var first = await Assert.ThrowsAsync<InvalidOperationException>(async () => await grain.PingAsync());
        var second = await Assert.ThrowsAsync<InvalidOperationException>(async () => await grain.PingAsync());

        Assert.Equal("activation refused", first.Message);
        Assert.Equal("activation refused", second.Message);
        Assert.Equal(0, silo.Services.GetRequiredService<GrainCatalog>().Count);
    }

    [Fact]
    public async Task AddSilo_InvalidCollectionAge_FailsOnStart()
    {
        var error = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            TestSilo.StartAsync(services => services.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.Zero)));

        Assert.Contains("CollectionAge", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_Options_MatchOrleans()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), new SiloMessagingOptions().ResponseTimeout);
        Assert.Equal(TimeSpan.FromMinutes(15), new GrainCollectionOptions().CollectionAge);
    }

    [Fact]
    public async Task GetGrain_GrainTypeName_IsClassNameWithoutGrainSuffixOrAttribute()
    {
        await using var silo = await TestSilo.StartAsync();

        var counter = (IAddressable)silo.GrainFactory.GetGrain<ICounterGrain>("k");
        var broken = (IAddressable)silo.GrainFactory.GetGrain<IBrokenGrain>("k");

        Assert.Equal(new GrainId("Counter", "k"), ((Invocation.GrainReference)counter).GrainId);
        Assert.Equal(new GrainId("broken", "k"), ((Invocation.GrainReference)broken).GrainId);
        Assert.Equal(counter, silo.GrainFactory.GetGrain<ICounterGrain>("k"));
    }

    [Fact]
    public async Task GetGrain_InterfaceWithoutGrainClass_ThrowsNamingTheInterface()
    {
        var services = new ServiceCollection();
        services.AddSilo(silo => { });
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("k"));

        Assert.Contains(nameof(ICounterGrain), error.Message, StringComparison.Ordinal);
        Assert.Contains("AddGrains", error.Message, StringComparison.Ordinal);
    }
}
