using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Utilities;

namespace Orleans.Chat.Grains.Tests;

/// <summary>A grain with a reminder, to prove reminders survive a restart of the host on our SQLite reminder table.</summary>
[Alias("test.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task StartAsync(TimeSpan period);

    Task StopAsync();
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    /// <summary>Ticks per grain key, across every host of the test process.</summary>
    public static ConcurrentDictionary<string, int> Ticks { get; } = new(StringComparer.Ordinal);

    public Task StartAsync(TimeSpan period) => this.RegisterOrUpdateReminder("probe", period, period);

    public async Task StopAsync() => await this.UnregisterReminder((await this.GetReminder("probe"))!);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.AddOrUpdate(this.GetPrimaryKeyString(), 1, static (_, count) => count + 1);
        return Task.CompletedTask;
    }
}

/// <summary>What the probe grain tells its subscribers; one-way, like <see cref="Users.IUserObserver"/>.</summary>
[Alias("test.IProbeObserver")]
public interface IProbeObserver : IGrainObserver
{
    [OneWay]
    ValueTask OnPingAsync(int ping);
}

/// <summary>An observer list kept as <see cref="Users.UserGrain"/> keeps its own, with a short expiration.</summary>
[Alias("test.IObserverProbeGrain")]
public interface IObserverProbeGrain : IGrainWithStringKey
{
    Task SubscribeAsync(IProbeObserver observer, TimeSpan expiration);

    Task<int> NotifyAsync(int ping);
}

public sealed class ObserverProbeGrain(ILogger<ObserverProbeGrain> logger) : Grain, IObserverProbeGrain
{
    private ObserverManager<IProbeObserver>? _observers;

    public Task SubscribeAsync(IProbeObserver observer, TimeSpan expiration)
    {
        _observers ??= new ObserverManager<IProbeObserver>(expiration, logger);
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    /// <summary>Notifies every live subscriber; returns how many subscriptions are left.</summary>
    public async Task<int> NotifyAsync(int ping)
    {
        await _observers!.Notify(o => o.OnPingAsync(ping).AsTask());
        return _observers.Count;
    }
}
