using Microsoft.Extensions.Logging;
using Orleans.Chat.Runtime.Catalog;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Invocation;
using Orleans.Chat.Runtime.Observers;
using Orleans.Chat.Runtime.Scheduling;

namespace Orleans.Chat.Runtime.Messaging;

/// <summary>
/// Delivers every call a reference makes. Fast path: when the target activation is idle, the call runs inline
/// on the caller's thread with the activation's context installed, and costs no allocation if it completes
/// synchronously. Otherwise the call becomes a pooled <see cref="RequestMessage{TRequest,TResult}"/> queued to
/// the activation, and the caller awaits it under the shared timeout sweep.
/// </summary>
/// <remarks>
/// Each path yields either a finished <see cref="ValueTask{TResult}"/> or the message the caller must await, so
/// a method without a result can hand the caller the message itself as a non-generic <see cref="ValueTask"/>.
/// </remarks>
internal sealed class Dispatcher(GrainCatalog catalog, TimeoutSweeper timeouts, ILogger<Dispatcher> logger)
{
    private const int MaxInlineDepth = 8;

    [ThreadStatic]
    private static int t_inlineDepth;

    public GrainCatalog Catalog => catalog;

    public TimeoutSweeper Timeouts => timeouts;

    public ValueTask<TResult> InvokeAsync<TRequest, TResult>(GrainReference reference, ref TRequest request)
        where TRequest : struct, IInvokable<TResult>
    {
        var task = Dispatch<TRequest, TResult>(reference, ref request, out var message);
        return message is null ? task : message.AsValueTask();
    }

    public ValueTask InvokeVoidAsync<TRequest>(GrainReference reference, ref TRequest request)
        where TRequest : struct, IInvokable<NoResult>
    {
        var task = Dispatch<TRequest, NoResult>(reference, ref request, out var message);
        return message is null ? InvokableHelpers.ToValueTask(task) : message.AsVoidValueTask();
    }

    /// <summary>A call addressed by grain id alone (reminders).</summary>
    public ValueTask<TResult> InvokeAsync<TRequest, TResult>(GrainId grainId, TRequest request)
        where TRequest : struct, IInvokable<TResult>
    {
        ActivationData activation;
        try
        {
            activation = catalog.GetOrCreate(grainId);
        }
        catch (Exception exception)
        {
            return ValueTask.FromException<TResult>(exception);
        }

        var task = DispatchToActivation<TRequest, TResult>(activation, ref request, out var message);
        return message is null ? task : message.AsValueTask();
    }

    private ValueTask<TResult> Dispatch<TRequest, TResult>(GrainReference reference, ref TRequest request, out RequestMessage<TRequest, TResult>? message)
        where TRequest : struct, IInvokable<TResult>
    {
        if (reference.Observer is { } observer)
        {
            return DispatchToObserver(observer, ref request, out message);
        }

        var activation = reference.CachedActivation;
        if (activation is null || activation.Scheduler.IsClosed)
        {
            try
            {
                activation = catalog.GetOrCreate(reference.GrainId);
            }
            catch (Exception exception)
            {
                message = null;
                return ValueTask.FromException<TResult>(exception);
            }

            reference.CachedActivation = activation;
        }

        return DispatchToActivation(activation, ref request, out message);
    }

    private ValueTask<TResult> DispatchToActivation<TRequest, TResult>(ActivationData activation, ref TRequest request, out RequestMessage<TRequest, TResult>? message)
        where TRequest : struct, IInvokable<TResult>
    {
        var flags = request.Flags;
        var scheduler = activation.Scheduler;
        if ((flags & InvokeFlags.OneWay) == 0 && t_inlineDepth < MaxInlineDepth && scheduler.TryEnterInline(flags))
        {
            return InvokeInline(activation.GrainId, scheduler, ref request, out message);
        }

        if ((flags & InvokeFlags.OneWay) != 0)
        {
            message = null;
            catalog.Send(activation, RequestMessage<TRequest, TResult>.CreateUnobserved(activation.GrainId, request, OnOneWayFailed));
            return default;
        }

        message = RequestMessage<TRequest, TResult>.Rent(activation.GrainId, request);
        catalog.Send(activation, message);
        message.TrackTimeout(timeouts);
        return default;
    }

    private ValueTask<TResult> InvokeInline<TRequest, TResult>(
        GrainId grainId,
        ActivationScheduler scheduler,
        ref TRequest request,
        out RequestMessage<TRequest, TResult>? message)
        where TRequest : struct, IInvokable<TResult>
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(scheduler.SynchronizationContext);
        t_inlineDepth++;
        ValueTask<TResult> task;
        try
        {
            task = request.Invoke(scheduler.Target!);
        }
        catch (Exception exception)
        {
            task = ValueTask.FromException<TResult>(exception);
        }

        if (task.IsCompleted)
        {
            t_inlineDepth--;
            SynchronizationContext.SetSynchronizationContext(previous);
            scheduler.ExitInline(request.Flags, finished: true);
            message = null;
            return task;
        }

        // The grain awaited something: the rest of the call runs on the activation; the caller awaits a message.
        message = RequestMessage<TRequest, TResult>.Rent(grainId, request, started: true);
        message.Scheduler = scheduler;
        message.TrackTimeout(timeouts);
        try
        {
            message.Track(task);
        }
        finally
        {
            t_inlineDepth--;
            SynchronizationContext.SetSynchronizationContext(previous);
            scheduler.ExitInline(request.Flags, finished: false);
        }

        return default;
    }

    private ValueTask<TResult> DispatchToObserver<TRequest, TResult>(ObserverTarget observer, ref TRequest request, out RequestMessage<TRequest, TResult>? message)
        where TRequest : struct, IInvokable<TResult>
    {
        message = null;
        if (observer.CheckFailure() is { } failure)
        {
            return ValueTask.FromException<TResult>(failure);
        }

        // An observer call that returns no value is delivered without making the caller wait.
        if ((request.Flags & (InvokeFlags.Void | InvokeFlags.OneWay)) != 0)
        {
            var unobserved = RequestMessage<TRequest, TResult>.CreateUnobserved(observer.Id, request, observer.OnDeliveryFailed);
            return observer.Scheduler.Enqueue(unobserved) ? default : ValueTask.FromException<TResult>(ObserverTarget.Deleted(observer.Id));
        }

        var awaited = RequestMessage<TRequest, TResult>.Rent(observer.Id, request);
        if (!observer.Scheduler.Enqueue(awaited))
        {
            return ValueTask.FromException<TResult>(ObserverTarget.Deleted(observer.Id));
        }

        awaited.TrackTimeout(timeouts);
        message = awaited;
        return default;
    }

    private void OnOneWayFailed<TRequest, TResult>(RequestMessage<TRequest, TResult> message, Exception exception)
        where TRequest : struct, IInvokable<TResult> =>
        RuntimeLog.OneWayCallFailed(logger, exception, message.MethodDescription, message.TargetId);
}
