using System.Threading.Tasks.Sources;
using Microsoft.Extensions.ObjectPool;
using Orleans.Chat.Runtime.Invocation;

namespace Orleans.Chat.Runtime.Messaging;

/// <summary>
/// A grain or observer call that could not complete inline: the invokable, and the completion the caller awaits
/// (this object is the <see cref="IValueTaskSource{TResult}"/> behind the caller's ValueTask).
/// Awaited messages are pooled: a message goes back to the pool once both its owners are done with it, the
/// caller (it has read the result) and the activation (the call has finished running). A message that never
/// ran (activation failed, silo stopping) is simply left to the GC.
/// </summary>
internal sealed class RequestMessage<TRequest, TResult> : Message, IValueTaskSource<TResult>, IValueTaskSource
    where TRequest : struct, IInvokable<TResult>
{
    private static readonly ObjectPool<RequestMessage<TRequest, TResult>> Pool =
        new DefaultObjectPool<RequestMessage<TRequest, TResult>>(new PoolPolicy(), 256);

    private TRequest _request;
    private Action<RequestMessage<TRequest, TResult>, Exception>? _onUnobservedFailure;
    private ManualResetValueTaskSourceCore<TResult> _core;
    private ValueTask<TResult> _running;
    private Action? _onRunningCompleted;
    private TimeoutSweeper? _timeouts;
    private ExecutionContext? _callerContext;

    // (generation << 1) | completed: completion is claimed once per use, and only by that use.
    private int _state;
    private int _owners;

    private RequestMessage()
        : base(default, InvokeFlags.None)
    {
        _core.RunContinuationsAsynchronously = true;
    }

    public override bool IsCompleted => (Volatile.Read(ref _state) & 1) != 0;

    public override short Generation => _core.Version;

    public override string MethodDescription => $"{_request.InterfaceName}.{_request.MethodName}";

    /// <summary>A call whose caller awaits the result: pooled.</summary>
    /// <param name="started">The call already started inline on the caller's thread: no context to carry.</param>
    public static RequestMessage<TRequest, TResult> Rent(GrainId targetId, in TRequest request, bool started = false)
    {
        var message = Pool.Get();
        message.Initialize(targetId, request.Flags);
        message._request = request;
        message._onUnobservedFailure = null;
        message._callerContext = started ? null : ExecutionContext.Capture();
        message._owners = 2;
        message._state = message._core.Version << 1;
        return message;
    }

    /// <param name="onUnobservedFailure">What to do when this call, which nobody awaits (one-way, observers), fails.</param>
    public static RequestMessage<TRequest, TResult> CreateUnobserved(
        GrainId targetId,
        in TRequest request,
        Action<RequestMessage<TRequest, TResult>, Exception> onUnobservedFailure)
    {
        var message = new RequestMessage<TRequest, TResult>();
        message.Initialize(targetId, request.Flags);
        message._request = request;
        message._onUnobservedFailure = onUnobservedFailure;
        message._callerContext = ExecutionContext.Capture();
        message._owners = int.MinValue; // never pooled
        message._state = message._core.Version << 1;
        return message;
    }

    public ValueTask<TResult> AsValueTask() => new(this, _core.Version);

    /// <summary>For methods without a result: the caller awaits this message without a generic wrapper.</summary>
    public ValueTask AsVoidValueTask() => new(this, _core.Version);

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

    /// <summary>
    /// Starts the call under the caller's ExecutionContext, as the inline path does, so ambient values (logging
    /// scopes, Activity) look the same to the grain whichever path the call took.
    /// </summary>
    public override void Start()
    {
        var context = _callerContext;
        _callerContext = null;
        if (context is null)
        {
            StartCore();
        }
        else
        {
            ExecutionContext.Run(context, static s => ((RequestMessage<TRequest, TResult>)s!).StartCore(), this);
        }
    }

    private void StartCore()
    {
        if (IsCompleted)
        {
            // The caller gave up (timeout) before the call started: do not run it.
            var scheduler = Scheduler!;
            scheduler.OnRequestFinished(this);
            ReleaseOwner();
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

    public override void Fail(Exception exception) => Complete(default, exception, (short)(Volatile.Read(ref _state) >> 1));

    public override void TimeOut(TimeSpan timeout, short generation) => Complete(default, CreateTimeoutException(timeout), generation);

    private void OnRunningCompleted()
    {
        var task = _running;
        _running = default;
        Finish(task);
    }

    private void Finish(ValueTask<TResult> task)
    {
        var generation = (short)(Volatile.Read(ref _state) >> 1);
        try
        {
            Complete(task.GetAwaiter().GetResult(), null, generation);
        }
        catch (Exception exception)
        {
            Complete(default, exception, generation);
        }

        var scheduler = Scheduler!;
        scheduler.OnRequestFinished(this);
        ReleaseOwner();
    }

    private void Complete(TResult? result, Exception? exception, short generation)
    {
        var expected = generation << 1;
        if (Interlocked.CompareExchange(ref _state, expected | 1, expected) != expected)
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

    private void ReleaseOwner()
    {
        if (Interlocked.Decrement(ref _owners) == 0)
        {
            Pool.Return(this);
        }
    }

    TResult IValueTaskSource<TResult>.GetResult(short token)
    {
        if (token != _core.Version || _core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            // Misuse (awaited twice, or .Result before completion): the core throws; this owner is not released.
            return _core.GetResult(token);
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            ReleaseOwner();
        }
    }

    void IValueTaskSource.GetResult(short token) => ((IValueTaskSource<TResult>)this).GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<TResult>.GetStatus(short token) => _core.GetStatus(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource<TResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private sealed class PoolPolicy : IPooledObjectPolicy<RequestMessage<TRequest, TResult>>
    {
        public RequestMessage<TRequest, TResult> Create() => new();

        public bool Return(RequestMessage<TRequest, TResult> obj)
        {
            obj._core.Reset();
            obj._request = default;
            obj._running = default;
            obj._timeouts = null;
            obj._callerContext = null;
            obj.Scheduler = null;
            obj._state = obj._core.Version << 1;
            return true;
        }
    }
}
