using Microsoft.Extensions.Logging;
using Orleans.Chat.Runtime.Catalog;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Invocation;
using Orleans.Chat.Runtime.Messaging;

namespace Orleans.Chat.Runtime.Timers;

/// <summary>
/// A timer of one activation. Each tick is queued to the activation as a turn (interleaving only when asked),
/// the next tick is scheduled when the previous one has finished, and the timer stops with the activation.
/// </summary>
internal sealed class GrainTimer : IGrainTimer
{
    private readonly ActivationData _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly GrainTimerCreationOptions _options;
    private readonly ILogger _logger;
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private TimeSpan _dueTime;
    private TimeSpan _period;
    private bool _disposed;

    public GrainTimer(ActivationData activation, Func<CancellationToken, Task> callback, GrainTimerCreationOptions options, ILogger logger)
    {
        _activation = activation;
        _callback = callback;
        _options = options;
        _logger = logger;
        _dueTime = options.DueTime;
        _period = options.Period;
        _timer = new Timer(static s => ((GrainTimer)s!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public void Start()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _timer.Change(_dueTime, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        lock (_lock)
        {
            _dueTime = dueTime;
            _period = period;
            if (!_disposed)
            {
                _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer.Dispose();
        }

        _activation.RemoveTimer(this);
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
        }

        if (!_activation.Scheduler.Enqueue(new TickMessage(this)))
        {
            Dispose();
        }
    }

    private void OnTickFinished()
    {
        lock (_lock)
        {
            if (!_disposed && _period != Timeout.InfiniteTimeSpan)
            {
                _timer.Change(_period, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private sealed class TickMessage(GrainTimer timer)
        : Message(timer._activation.GrainId, timer._options.Interleave ? InvokeFlags.AlwaysInterleave : InvokeFlags.None)
    {
        private Task? _running;
        private int _completed;

        public override bool KeepAlive => timer._options.KeepAlive;

        public override bool CanForward => false;

        public override bool IsCompleted => Volatile.Read(ref _completed) != 0;

        public override string MethodDescription => "grain timer";

        public override void Start()
        {
            bool disposed;
            lock (timer._lock)
            {
                disposed = timer._disposed;
            }

            if (disposed)
            {
                Finish(null);
                return;
            }

            Task task;
            try
            {
                task = timer._callback(timer._activation.Lifetime);
            }
            catch (Exception exception)
            {
                task = Task.FromException(exception);
            }

            if (task.IsCompleted)
            {
                Finish(task);
                return;
            }

            _running = task;
            task.GetAwaiter().UnsafeOnCompleted(() => Finish(_running));
        }

        public override void Fail(Exception exception) => Volatile.Write(ref _completed, 1);

        private void Finish(Task? task)
        {
            Volatile.Write(ref _completed, 1);
            if (task is { IsFaulted: true } && task.Exception?.GetBaseException() is { } exception)
            {
                RuntimeLog.TimerCallbackFailed(timer._logger, exception, timer._activation.GrainId);
            }

            Scheduler!.OnRequestFinished(this);
            timer.OnTickFinished();
        }
    }
}
