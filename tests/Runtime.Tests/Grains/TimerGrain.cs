using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests.Grains;

public interface ITimerGrain : IGrainWithStringKey
{
    ValueTask StartTimerAsync(int periodMs);

    ValueTask BusyAsync(int delayMs);

    ValueTask<int> TicksAsync();

    ValueTask DeactivateAsync();
}

public sealed class TimerGrain(Probe probe) : Grain, ITimerGrain
{
    private int _ticks;
    private IGrainTimer? _timer;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record("timer-grain-deactivated");
        return Task.CompletedTask;
    }

    public ValueTask StartTimerAsync(int periodMs)
    {
        _timer = RegisterGrainTimer(
            async ct =>
            {
                probe.Enter();
                _ticks++;
                probe.Record("tick");
                await Task.Delay(2, ct);
                probe.Exit();
            },
            new GrainTimerCreationOptions(TimeSpan.FromMilliseconds(periodMs), TimeSpan.FromMilliseconds(periodMs)));
        return default;
    }

    public async ValueTask BusyAsync(int delayMs)
    {
        probe.Enter();
        await Task.Delay(delayMs);
        probe.Exit();
    }

    public ValueTask<int> TicksAsync() => new(_ticks);

    public ValueTask DeactivateAsync()
    {
        DeactivateOnIdle();
        return default;
    }
}
