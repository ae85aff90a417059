using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Tests.Grains;
using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests;

public sealed class FailureTests
{
    [Fact]
    public async Task Exception_ThrownAtOnce_ReachesCallerWithTypeAndMessage()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GrainFactory.GetGrain<IFailingGrain>(Guid.NewGuid().ToString());

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await grain.ThrowAtOnceAsync("bad argument"));

        Assert.Equal("bad argument", error.Message);
        Assert.Equal(1, await grain.PingAsync());
    }

    [Fact]
    public async Task Exception_ThrownAfterAwait_ReachesCallerWithTypeAndMessage()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GrainFactory.GetGrain<IFailingGrain>(Guid.NewGuid().ToString());

        var error = await Assert.ThrowsAsync<GrainTestException>(async () => await grain.ThrowAfterAwaitAsync("it broke"));

        Assert.Equal("it broke", error.Message);
        Assert.Equal(1, await grain.PingAsync());
    }

    [Fact]
    public async Task Timeout_CallThatNeverAnswers_FailsWithTimeoutNamingGrainAndMethod()
    {
        await using var silo = await TestSilo.StartAsync(services =>
            services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMilliseconds(300)));
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<IFailingGrain>(key);

        try
        {
            var started = DateTime.UtcNow;
            var error = await Assert.ThrowsAsync<TimeoutException>(async () => await grain.HangAsync());

            Assert.Contains("HangAsync", error.Message, StringComparison.Ordinal);
            Assert.Contains($"Failing/{key}", error.Message, StringComparison.Ordinal);
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        }
        finally
        {
            silo.Probe.Gate(key).TrySetResult();
        }
    }

    [Fact]
    public async Task Timeout_QueuedBehindHangingCall_AlsoTimesOutAndIsNotRun()
    {
        await using var silo = await TestSilo.StartAsync(services =>
            services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMilliseconds(300)));
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<IFailingGrain>(key);
        try
        {
            var hang = grain.HangAsync().AsTask();
            var queued = grain.PingAsync().AsTask();

            await Assert.ThrowsAsync<TimeoutException>(() => hang);
            await Assert.ThrowsAsync<TimeoutException>(() => queued);
        }
        finally
        {
            silo.Probe.Gate(key).TrySetResult();
        }

        Assert.Equal(1, await grain.PingAsync());
    }

    [Fact]
    public async Task Reentrant_CallBackChainAToBToA_Completes()
    {
        await using var silo = await TestSilo.StartAsync(services =>
            services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5)));
        var aKey = "a-" + Guid.NewGuid();
        var bKey = "b-" + Guid.NewGuid();

        var result = await silo.GrainFactory.GetGrain<IReentrantPingGrain>(aKey).PingAsync(bKey, 4);

        Assert.Equal("pong from " + aKey, result);
    }

    [Fact]
    public async Task Deadlock_NonReentrantCallBack_EndsInTimeoutNotHang()
    {
        await using var silo = await TestSilo.StartAsync(services =>
            services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMilliseconds(400)));
        var aKey = "a-" + Guid.NewGuid();
        var bKey = "b-" + Guid.NewGuid();
        var a = silo.GrainFactory.GetGrain<IPingGrain>(aKey);

        var error = await Assert.ThrowsAsync<TimeoutException>(async () => await a.PingAsync(bKey, 2).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Contains("PingAsync", error.Message, StringComparison.Ordinal);

        // Once the chain has unwound, both grains answer again.
        Assert.Equal("pong from " + bKey, await a.PingAsync(bKey, 1).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
