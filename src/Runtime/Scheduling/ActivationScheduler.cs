using Microsoft.Extensions.Logging;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Invocation;
using Orleans.Chat.Runtime.Messaging;

namespace Orleans.Chat.Runtime.Scheduling;

/// <summary>
/// Runs the work of one activation (or one observer object) one item at a time, on the thread pool or inline on
/// a caller's thread, and decides which requests may start: one at a time, unless the grain is reentrant, the
/// method always interleaves, or every running request is read-only. Control work (activation, deactivation)
/// runs ahead of everything else. Everything here is guarded by one lock; the work itself runs outside it.
/// </summary>
internal sealed class ActivationScheduler : IThreadPoolWorkItem
{
    private const int MaxItemsPerSlice = 64;

    private readonly Lock _lock = new();
    private readonly Queue<WorkItem> _control = new();
    private readonly Queue<WorkItem> _work = new();
    private readonly Queue<Message> _pending = new();
    private readonly bool _reentrant;
    private readonly ILogger _logger;
    private readonly object _owner;
    private bool _executing;
    private int _runningWriters;
    private int _runningReaders;
    private int _runningInterleaved;
    private SchedulerGate _gate;
    private bool _closeRequested;
    private bool _closeScheduled;
    private Action? _onDrained;
    private object? _target;
    private long _lastActiveTicks = Environment.TickCount64;

    public ActivationScheduler(object owner, bool reentrant, ILogger logger)
    {
        _owner = owner;
        _reentrant = reentrant;
        _logger = logger;
        SynchronizationContext = new ActivationSynchronizationContext(this);
    }

    /// <summary>Installed on the thread while this activation's work runs: awaits come back here.</summary>
    public ActivationSynchronizationContext SynchronizationContext { get; }

    public bool IsOpen => _gate == SchedulerGate.Open;

    public bool IsClosed => _gate == SchedulerGate.Closed;

    /// <summary>The grain instance (or observer object) requests are invoked on; set when the scheduler opens.</summary>
    public object? Target => _target;

    public long LastActiveTicks => Volatile.Read(ref _lastActiveTicks);

    public int RunningCount
    {
        get
        {
            lock (_lock)
            {
                return _runningWriters + _runningReaders + _runningInterleaved;
            }
        }
    }

    /// <summary>Queues work that runs before any request or continuation (activation, deactivation).</summary>
    public void PostControl(SendOrPostCallback callback, object? state)
    {
        bool schedule;
        lock (_lock)
        {
            _control.Enqueue(new WorkItem(callback, state));
            schedule = TryClaimExecutorLocked();
        }

        if (schedule)
        {
            Schedule();
        }
    }

    /// <summary>Queues a continuation of work already running in this activation.</summary>
    public void Post(SendOrPostCallback callback, object? state)
    {
        bool schedule;
        lock (_lock)
        {
            _work.Enqueue(new WorkItem(callback, state));
            schedule = TryClaimExecutorLocked();
        }

        if (schedule)
        {
            Schedule();
        }
    }

    /// <summary>Opens the gate once the activation is ready: queued requests may start.</summary>
    public void Open(object target)
    {
        bool schedule;
        lock (_lock)
        {
            _target = target;
            _gate = SchedulerGate.Open;
            if (_closeRequested)
            {
                _gate = SchedulerGate.Closing;
                MaybeScheduleCloseLocked();
            }
            else
            {
                AdmitPendingLocked();
            }

            schedule = TryClaimExecutorLocked();
        }

        if (schedule)
        {
            Schedule();
        }
    }

    /// <summary>
    /// Stops admitting requests; once the running ones finish, <paramref name="onDrained"/> runs as control work.
    /// Returns false when a close was already requested.
    /// </summary>
    public bool RequestClose(Action onDrained)
    {
        bool schedule;
        lock (_lock)
        {
            if (_closeRequested || _gate == SchedulerGate.Closed)
            {
                return false;
            }

            _closeRequested = true;
            _onDrained = onDrained;
            if (_gate == SchedulerGate.Activating)
            {
                return true;
            }

            _gate = SchedulerGate.Closing;
            MaybeScheduleCloseLocked();
            schedule = TryClaimExecutorLocked();
        }

        if (schedule)
        {
            Schedule();
        }

        return true;
    }

    /// <summary>Closes the gate for good and hands back the requests that never started.</summary>
    public List<Message> Close()
    {
        lock (_lock)
        {
            _gate = SchedulerGate.Closed;
            var pending = new List<Message>(_pending);
            _pending.Clear();
            return pending;
        }
    }

    /// <summary>Queues a request; it starts when the rules allow, in arrival order (interleaving methods skip the line).</summary>
    /// <returns>False when the scheduler is closed: route the message elsewhere.</returns>
    public bool Enqueue(Message message)
    {
        bool schedule;
        lock (_lock)
        {
            if (_gate == SchedulerGate.Closed)
            {
                return false;
            }

            message.Scheduler = this;
            var interleaves = (message.Flags & InvokeFlags.AlwaysInterleave) != 0;
            if (_gate == SchedulerGate.Open && (interleaves || _pending.Count == 0) && CanAdmitLocked(message.Flags))
            {
                StartLocked(message);
            }
            else
            {
                _pending.Enqueue(message);
            }

            schedule = TryClaimExecutorLocked();
        }

        if (schedule)
        {
            Schedule();
        }

        return true;
    }

    /// <summary>
    /// The fast path: when nothing runs or waits and the request may start, claim the executor so the caller can
    /// invoke the request on its own thread. Pair with <see cref="ExitInline"/>.
    /// </summary>
    public bool TryEnterInline(InvokeFlags flags)
    {
        lock (_lock)
        {
            if (_executing || _gate != SchedulerGate.Open || _pending.Count != 0 || !CanAdmitLocked(flags))
            {
                return false;
            }

            _executing = true;
            CountLocked(flags, 1);
            return true;
        }
    }

    /// <summary>Releases the executor after an inline invocation; <paramref name="finished"/> when the request completed.</summary>
    public void ExitInline(InvokeFlags flags, bool finished)
    {
        bool schedule;
        lock (_lock)
        {
            if (finished)
            {
                FinishLocked(flags, keepAlive: true);
            }

            _executing = false;
            schedule = TryClaimExecutorLocked();
        }

        if (schedule)
        {
            Schedule();
        }
    }

    /// <summary>Called (on this scheduler) when a started request has completed.</summary>
    public void OnRequestFinished(Message message)
    {
        bool schedule;
        lock (_lock)
        {
            FinishLocked(message.Flags, message.KeepAlive);
            schedule = TryClaimExecutorLocked();
        }

        if (schedule)
        {
            Schedule();
        }
    }

    /// <summary>Runs queued work: control first, then continuations and starting requests, a slice at a time.</summary>
    public void Execute()
    {
        var previous = System.Threading.SynchronizationContext.Current;
        System.Threading.SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
        try
        {
            for (var i = 0; i < MaxItemsPerSlice; i++)
            {
                WorkItem item;
                lock (_lock)
                {
                    if (!_control.TryDequeue(out item) && !_work.TryDequeue(out item))
                    {
                        _executing = false;
                        return;
                    }
                }

                try
                {
                    item.Callback(item.State);
                }
                catch (Exception exception)
                {
                    RuntimeLog.WorkItemFailed(_logger, exception, _owner);
                }
            }

            // Let other activations run; this one keeps its claim on the executor.
            Schedule();
        }
        finally
        {
            System.Threading.SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private void Schedule() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    private bool TryClaimExecutorLocked()
    {
        if (_executing || (_control.Count == 0 && _work.Count == 0))
        {
            return false;
        }

        _executing = true;
        return true;
    }

    private bool CanAdmitLocked(InvokeFlags flags)
    {
        if (_reentrant || (flags & InvokeFlags.AlwaysInterleave) != 0)
        {
            return true;
        }

        if ((flags & InvokeFlags.ReadOnly) != 0)
        {
            return _runningWriters == 0;
        }

        return _runningWriters == 0 && _runningReaders == 0;
    }

    private void CountLocked(InvokeFlags flags, int delta)
    {
        if ((flags & InvokeFlags.AlwaysInterleave) != 0)
        {
            _runningInterleaved += delta;
        }
        else if ((flags & InvokeFlags.ReadOnly) != 0)
        {
            _runningReaders += delta;
        }
        else
        {
            _runningWriters += delta;
        }
    }

    private void StartLocked(Message message)
    {
        CountLocked(message.Flags, 1);
        _work.Enqueue(new WorkItem(StartCallback, message));
    }

    private static readonly SendOrPostCallback StartCallback = static state => ((Message)state!).Start();

    private void FinishLocked(InvokeFlags flags, bool keepAlive)
    {
        CountLocked(flags, -1);
        if (keepAlive)
        {
            _lastActiveTicks = Environment.TickCount64;
        }

        if (_gate == SchedulerGate.Open)
        {
            AdmitPendingLocked();
        }
        else if (_gate == SchedulerGate.Closing)
        {
            MaybeScheduleCloseLocked();
        }
    }

    private void AdmitPendingLocked()
    {
        while (_pending.Count > 0 && CanAdmitLocked(_pending.Peek().Flags))
        {
            StartLocked(_pending.Dequeue());
        }
    }

    private void MaybeScheduleCloseLocked()
    {
        if (_closeScheduled || _runningWriters + _runningReaders + _runningInterleaved != 0)
        {
            return;
        }

        _closeScheduled = true;
        var onDrained = _onDrained!;
        _control.Enqueue(new WorkItem(static s => ((Action)s!)(), onDrained));
    }

    private readonly record struct WorkItem(SendOrPostCallback Callback, object? State);

    private enum SchedulerGate
    {
        Activating,
        Open,
        Closing,
        Closed,
    }
}
