using Orleans.Chat.Runtime.Tests.Grains;
using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests;

public sealed class SchedulingTests
{
    [Fact]
    public async Task TurnBased_ThousandConcurrentCallsThatAwait_NoInterleavingNoLostUpdate()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>(Guid.NewGuid().ToString());

        var calls = Enumerable.Range(0, 1000)
            .Select(_ => Task.Run(async () => await grain.IncrementWithYieldAsync()))
            .ToArray();
        var results = await Task.WhenAll(calls);

        Assert.Equal(1000, await grain.GetAsync());
        Assert.Equal(Enumerable.Range(1, 1000), results.Order());
        Assert.Equal(1, silo.Probe.MaxInside);
    }

    [Fact]
    public async Task TurnBased_AwaitInsideTurn_DoesNotLetAnotherRequestIn()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<IInterleaveGrain>(key);

        var blocked = grain.WaitForGateAsync().AsTask();
        var write = grain.WriteAsync().AsTask();
        await Task.Delay(100);

        Assert.False(write.IsCompleted);
        silo.Probe.Gate(key).SetResult();
        await Task.WhenAll(blocked, write);
    }

    [Fact]
    public async Task Reentrant_CallWhileAnotherAwaits_Interleaves()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<IReentrantGrain>(key);

        var waiting = grain.WaitForGateAsync().AsTask();
        await grain.OpenGateAsync();

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Reentrant_ManyInterleavedCalls_NeverRunOnTwoThreadsAtOnce()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GrainFactory.GetGrain<IReentrantGrain>(Guid.NewGuid().ToString());

        var calls = Enumerable.Range(0, 200).Select(_ => Task.Run(async () => await grain.YieldManyTimesAsync(20))).ToArray();
        await Task.WhenAll(calls);

        Assert.Equal(4000, await grain.YieldManyTimesAsync(0));
        Assert.Equal(1, silo.Probe.MaxInside);
    }

    [Fact]
    public async Task AlwaysInterleave_WhileRequestAwaits_RunsAndCanUnblockIt()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<IInterleaveGrain>(key);

        var waiting = grain.WaitForGateAsync().AsTask();
        await grain.OpenGateAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ReadOnly_TwoReaders_InterleaveButWriterWaitsForBoth()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<IInterleaveGrain>(key);
        var gate = key + "/readers";

        var first = grain.ReadAsync(gate).AsTask();
        var second = grain.ReadAsync(gate).AsTask();
        await Probe.WaitUntilAsync(() => silo.Probe.Count("read-start") == 2, TimeSpan.FromSeconds(5), "two readers inside");
        var write = grain.WriteAsync().AsTask();
        await Task.Delay(100);
        Assert.False(write.IsCompleted);

        silo.Probe.Gate(gate).SetResult();
        await Task.WhenAll(first, second, write);

        Assert.Equal(2, await grain.MaxReadersAsync());
        Assert.Equal(["read-start", "read-start", "read-end", "read-end", "write"], silo.Probe.Events);
    }

    [Fact]
    public async Task ReadOnly_ReaderArrivingDuringWrite_WaitsForTheWriter()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<IInterleaveGrain>(key);
        silo.Probe.Gate(key + "/r").SetResult();

        var writer = grain.WaitForGateAsync().AsTask();
        var reader = grain.ReadAsync(key + "/r").AsTask();
        await Task.Delay(100);
        Assert.False(reader.IsCompleted);

        silo.Probe.Gate(key).SetResult();
        await Task.WhenAll(writer, reader);
    }

    [Fact]
    public async Task GrainToGrain_Call_ReturnsResult()
    {
        await using var silo = await TestSilo.StartAsync();
        var a = silo.GrainFactory.GetGrain<IPingGrain>("a-" + Guid.NewGuid());
        var bKey = "b-" + Guid.NewGuid();

        Assert.Equal("pong from " + bKey, await a.PingAsync(bKey, 1));
    }

    [Fact]
    public async Task AmbientContext_InlineAndQueuedCalls_GrainSeesCallersAsyncLocals()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<IInterleaveGrain>(key);
        Probe.Ambient.Value = "caller";

        var inline = await grain.ReadAmbientAsync();
        var blocked = grain.WaitForGateAsync().AsTask();
        var queued = grain.ReadAmbientAsync().AsTask();
        silo.Probe.Gate(key).SetResult();
        await blocked;

        Assert.Equal("caller", inline);
        Assert.Equal("caller", await queued);
    }

    [Fact]
    public async Task OneWay_GrainStillWorking_CallerReturnsAtOnce()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>(key);

        var call = grain.AddLaterAsync(key);

        Assert.True(call.IsCompletedSuccessfully);
        silo.Probe.Gate(key).SetResult();
        Assert.Equal(1, await grain.GetAsync());
    }

    [Fact]
    public async Task Reference_MethodInheritedFromRuntimeInterface_IsCallable()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        IRemindable grain = silo.GrainFactory.GetGrain<IReminderGrain>(key);

        await grain.ReceiveReminder("direct", new TickStatus(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow));

        Assert.Contains($"reminder:{key}:direct", silo.Probe.Events);
    }
}
