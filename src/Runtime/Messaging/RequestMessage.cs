using System.Threading.Tasks.Sources;
using Orleans.Chat.Runtime.Invocation;

namespace Orleans.Chat.Runtime.Messaging;

/// <summary>
/// A grain or observer call that could not run inline: the invokable, and the completion the caller awaits
/// (this object is the <see cref="IValueTaskSource{TResult}"/> behind the caller's ValueTask).
/// </summary>
internal sealed class RequestMessage<TRequest, TResult> : Message, IValueTaskSource<TResult>
    where TRequest : struct, IInvokable<TResult>
{
    private readonly TRequest _request;
    private readonly Action<RequestMessage<TRequest, TResult>, Exception>? _onUnobservedFailure;
    private ManualResetValueTaskSourceCore<TResult> _core;
    private ValueTask<TResult> _running;
    private Action? _onRunningCompleted;
    private TimeoutSweeper? _timeouts;
    private int _completed;

    /// <param name="onUnobservedFailure">For calls nobody awaits (one-way, observers): what to do when they fail.</param>
    public RequestMessage(GrainId targetId, in TRequest request, Action<RequestMessage<TRequest, TResult>, Exception>? onUnobservedFailure)
        : base(targetId, request.Flags)
    {
        _request = request;
        _onUnobservedFailure = onUnobservedFailure;
        _core.RunContinuationsAsynchronously = true;
    }

    public bool IsAwaited => _onUnobservedFailure is null;

    public override bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public override string MethodDescription => $"{_request.InterfaceName}.{_request.MethodName}";

    public ValueTask<TResult> AsValueTask() => new(this, _core.Version);

    /// <summary>Registers this call with the timeout sweep; the entry is removed when the call completes.</summary>
    public void TrackTimeout(TimeoutSweeper timeouts)
    {
        _timeouts = timeouts;
        timeouts.Register(this);
        if (IsCompleted)
        {
            timeouts.Unregister(this);
        }
    }

    public override void Start()
    {
        if (IsCompleted)
        {
            // The caller gave up (timeout) before the call started: do not run it.
            Scheduler!.OnRequestFinished(this);
            return;
        }

        ValueTask<TResult> task;
        try
        {
            task = _request.Invoke(Scheduler!.Target!);
        }
        catch (Exception exception)
        {
            task = ValueTask.FromException<TResult>(exception);
        }

        Track(task);
    }

    /// <summary>
    /// Follows a call already started (here or inline by the caller) to its end. Must run with the activation's
    /// synchronization context installed, so the completion comes back to the activation.
    /// </summary>
    public void Track(ValueTask<TResult> task)
    {
        if (task.IsCompleted)
        {
            Finish(task);
            return;
        }

        _running = task;
        task.GetAwaiter().UnsafeOnCompleted(_onRunningCompleted ??= OnRunningCompleted);
    }

    public override void Fail(Exception exception) => Complete(default, exception);

    private void OnRunningCompleted()
    {
        var task = _running;
        _running = default;
        Finish(task);
    }

    private void Finish(ValueTask<TResult> task)
    {
        try
        {
            Complete(task.GetAwaiter().GetResult(), null);
        }
        catch (Exception exception)
        {
            Complete(default, exception);
        }

        Scheduler!.OnRequestFinished(this);
    }

    private void Complete(TResult? result, Exception? exception)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        _timeouts?.Unregister(this);
        if (_onUnobservedFailure is not null)
        {
            if (exception is not null)
            {
                _onUnobservedFailure(this, exception);
            }

            return;
        }

        if (exception is not null)
        {
            _core.SetException(exception);
        }
        else
        {
            _core.SetResult(result!);
        }
    }

    TResult IValueTaskSource<TResult>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<TResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<TResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
