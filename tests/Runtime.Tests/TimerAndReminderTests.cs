using Orleans.Chat.Runtime.Tests.Grains;
using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests;

public sealed class TimerAndReminderTests
{
    [Fact]
    public async Task GrainTimer_TicksWhileRequestsRun_NeverRunConcurrentlyWithThem()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GrainFactory.GetGrain<ITimerGrain>(Guid.NewGuid().ToString());

        await grain.StartTimerAsync(5);
        var busy = Enumerable.Range(0, 30).Select(_ => grain.BusyAsync(3).AsTask()).ToArray();
        await Task.WhenAll(busy);
        await Probe.WaitUntilAsync(() => silo.Probe.Count("tick") >= 5, TimeSpan.FromSeconds(5), "five ticks");

        Assert.Equal(1, silo.Probe.MaxInside);
        Assert.True(await grain.TicksAsync() >= 5);
    }

    [Fact]
    public async Task GrainTimer_ActivationDeactivated_TimerStops()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<ITimerGrain>(key);
        await grain.StartTimerAsync(10);
        await Probe.WaitUntilAsync(() => silo.Probe.Count("tick") >= 2, TimeSpan.FromSeconds(5), "two ticks");

        await grain.DeactivateAsync();
        await Probe.WaitUntilAsync(() => silo.Probe.Count("timer-grain-deactivated") == 1, TimeSpan.FromSeconds(5), "deactivation");
        var ticksAfterDeactivation = silo.Probe.Count("tick");
        await Task.Delay(150);

        Assert.Equal(ticksAfterDeactivation, silo.Probe.Count("tick"));
        Assert.Equal(0, await grain.TicksAsync());
    }

    [Fact]
    public async Task Reminder_HostRestartedOnSameTable_FiresAgainWithoutAnyCall()
    {
        var table = new InMemoryReminderTable();
        var key = Guid.NewGuid().ToString();
        var fired = $"reminder:{key}:wake";

        var first = await TestSilo.StartAsync(reminders: table);
        await first.GrainFactory.GetGrain<IReminderGrain>(key).StartAsync("wake", 100);
        await Probe.WaitUntilAsync(() => first.Probe.Count(fired) >= 1, TimeSpan.FromSeconds(5), "first tick");
        await first.DisposeAsync();
        var ticksAfterStop = first.Probe.Count(fired);
        await Task.Delay(250);
        Assert.Equal(ticksAfterStop, first.Probe.Count(fired));

        await using var second = await TestSilo.StartAsync(reminders: table);
        await Probe.WaitUntilAsync(() => second.Probe.Count(fired) >= 2, TimeSpan.FromSeconds(5), "ticks after restart");

        Assert.True(await second.GrainFactory.GetGrain<IReminderGrain>(key).ExistsAsync("wake"));
    }

    [Fact]
    public async Task Reminder_Unregistered_StopsFiringAndLeavesTable()
    {
        var table = new InMemoryReminderTable();
        await using var silo = await TestSilo.StartAsync(reminders: table);
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>(key);
        await grain.StartAsync("once", 50);
        await Probe.WaitUntilAsync(() => silo.Probe.Count($"reminder:{key}:once") >= 1, TimeSpan.FromSeconds(5), "a tick");

        await grain.StopAsync("once");
        var ticks = silo.Probe.Count($"reminder:{key}:once");
        await Task.Delay(200);

        Assert.InRange(silo.Probe.Count($"reminder:{key}:once"), ticks, ticks + 1);
        Assert.False(await grain.ExistsAsync("once"));
        Assert.Empty(await table.ReadAllRowsAsync());
    }
}
