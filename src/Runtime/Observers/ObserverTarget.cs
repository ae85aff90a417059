using Microsoft.Extensions.Logging;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Messaging;
using Orleans.Chat.Runtime.Scheduling;

namespace Orleans.Chat.Runtime.Observers;

/// <summary>
/// A local object made addressable by <c>CreateObjectReference</c>. Calls to it queue to its own scheduler, so
/// the object gets them one at a time and the calling grain never waits for it. A delivery that throws is
/// logged and reported to the next caller (once), which is how an <see cref="ObserverManager{T}"/> learns to
/// drop a failing observer.
/// </summary>
internal sealed class ObserverTarget
{
    private readonly ILogger _logger;
    private Exception? _failure;
    private volatile bool _deleted;

    public ObserverTarget(IGrainObserver target, ILogger logger)
    {
        Id = new GrainId("observer", Guid.NewGuid().ToString("N"));
        _logger = logger;
        Scheduler = new ActivationScheduler(this, reentrant: false, logger);
        Scheduler.Open(target);
    }

    public GrainId Id { get; }

    public ActivationScheduler Scheduler { get; }

    public static ObjectDisposedException Deleted(GrainId id) =>
        new($"Observer {id}", "The observer reference was deleted; its object no longer receives calls.");

    /// <summary>The reason the next call must fail: deleted, or a failed earlier delivery (reported once).</summary>
    public Exception? CheckFailure()
    {
        if (_deleted)
        {
            return Deleted(Id);
        }

        var failure = Interlocked.Exchange(ref _failure, null);
        return failure is null ? null : new InvalidOperationException($"An earlier call to observer {Id} failed: {failure.Message}", failure);
    }

    public override string ToString() => $"observer {Id}";

    public void Delete()
    {
        _deleted = true;
        foreach (var message in Scheduler.Close())
        {
            message.Fail(Deleted(Id));
        }
    }

    public void OnDeliveryFailed(Message message, Exception exception)
    {
        RuntimeLog.ObserverCallFailed(_logger, exception, message.MethodDescription, Id);
        Volatile.Write(ref _failure, exception);
    }
}
