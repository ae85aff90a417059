using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Placement;
using Orleans.Chat.Runtime.Reminders;
using Orleans.Chat.Runtime.Scheduling;
using Orleans.Chat.Runtime.Storage;
using Orleans.Chat.Runtime.Timers;

namespace Orleans.Chat.Runtime.Catalog;

/// <summary>
/// One activation of one grain: its instance, its scheduler, its timers, and its life from activation (state
/// read, OnActivateAsync) to deactivation (OnDeactivateAsync, removal from the catalog). What the grain sees of
/// the runtime through <see cref="IGrainContext"/>.
/// </summary>
internal sealed class ActivationData : IGrainContext, IDisposable
{
    private static readonly SendOrPostCallback ActivateCallback = static s => _ = ((ActivationData)s!).ActivateAsync();

    private readonly GrainClassInfo _grainClass;
    private readonly GrainCatalog _catalog;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<GrainTimer> _timers = [];
    private readonly CancellationTokenSource _lifetime = new();
    private AsyncServiceScope? _scope;
    private Grain? _instance;

    public ActivationData(GrainId grainId, GrainClassInfo grainClass, GrainCatalog catalog, IServiceProvider services, ILoggerFactory loggerFactory)
    {
        GrainId = grainId;
        _grainClass = grainClass;
        _catalog = catalog;
        _services = services;
        _logger = loggerFactory.CreateLogger<ActivationData>();
        Scheduler = new ActivationScheduler(this, grainClass.IsReentrant, _logger);
    }

    public GrainId GrainId { get; }

    public ActivationScheduler Scheduler { get; }

    public IGrainFactory GrainFactory => _services.GetRequiredService<IGrainFactory>();

    public Grain? Instance => _instance;

    /// <summary>Cancelled when the activation starts deactivating; timers stop with it.</summary>
    public CancellationToken Lifetime => _lifetime.Token;

    public void Activate() => Scheduler.PostControl(ActivateCallback, this);

    public Task DeactivateAsync(DeactivationReason reason)
    {
        Scheduler.RequestClose(() => _ = FinishDeactivationAsync(reason));
        return _deactivated.Task;
    }

    public void DeactivateOnIdle() =>
        _ = DeactivateAsync(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle was called."));

    public IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new GrainTimer(this, callback, options, _logger);
        lock (_timers)
        {
            if (_lifetime.IsCancellationRequested)
            {
                throw new InvalidOperationException($"Activation of {GrainId} is deactivating; it cannot register timers.");
            }

            _timers.Add(timer);
        }

        timer.Start();
        return timer;
    }

    public void RemoveTimer(GrainTimer timer)
    {
        lock (_timers)
        {
            _timers.Remove(timer);
        }
    }

    public Task<IGrainReminder> RegisterOrUpdateReminderAsync(string reminderName, TimeSpan dueTime, TimeSpan period)
    {
        if (_instance is not IRemindable)
        {
            throw new InvalidOperationException($"Grain {GrainId} must implement IRemindable to register reminders.");
        }

        return _services.GetRequiredService<ReminderService>().RegisterOrUpdateAsync(GrainId, reminderName, dueTime, period);
    }

    public Task UnregisterReminderAsync(IGrainReminder reminder) =>
        _services.GetRequiredService<ReminderService>().UnregisterAsync(GrainId, reminder);

    public Task<IGrainReminder?> GetReminderAsync(string reminderName) =>
        _services.GetRequiredService<ReminderService>().GetAsync(GrainId, reminderName);

    private async Task ActivateAsync()
    {
        try
        {
            var winner = _catalog.Directory.Register(GrainId, SiloAddress.Local);
            if (winner != SiloAddress.Local)
            {
                throw new InvalidOperationException($"Grain {GrainId} is already active on {winner}.");
            }

            _scope = _services.CreateAsyncScope();
            var (grain, states) = _grainClass.Create(_scope.Value.ServiceProvider, GrainId);
            grain.Context = this;
            _instance = grain;
            foreach (var state in states)
            {
                await state.ReadStateAsync(_lifetime.Token);
            }

            await grain.OnActivateAsync(_lifetime.Token);
            RuntimeLog.Activated(_logger, GrainId);
            Scheduler.Open(grain);
        }
        catch (Exception exception)
        {
            RuntimeLog.ActivationFailed(_logger, exception, GrainId);
            _catalog.Remove(this);
            var pending = Scheduler.Close();
            foreach (var message in pending)
            {
                message.Fail(exception);
            }

            await DisposeAsync();
            _deactivated.TrySetResult();
        }
    }

    private async Task FinishDeactivationAsync(DeactivationReason reason)
    {
        StopTimers();
        try
        {
            if (_instance is not null)
            {
                await _instance.OnDeactivateAsync(reason, CancellationToken.None);
            }
        }
        catch (Exception exception)
        {
            RuntimeLog.DeactivationFailed(_logger, exception, GrainId);
        }

        _catalog.Remove(this);
        var pending = Scheduler.Close();
        await DisposeAsync();
        RuntimeLog.Deactivated(_logger, GrainId, reason.ReasonCode);
        _deactivated.TrySetResult();
        _catalog.Forward(pending);
    }

    private void StopTimers()
    {
        GrainTimer[] timers;
        lock (_timers)
        {
            _lifetime.Cancel();
            timers = [.. _timers];
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }

    public void Dispose() => _lifetime.Dispose();

    public override string ToString() => $"activation of {GrainId}";

    private async ValueTask DisposeAsync()
    {
        StopTimers();
        if (_scope is { } scope)
        {
            await scope.DisposeAsync();
        }

        Dispose();
    }
}
