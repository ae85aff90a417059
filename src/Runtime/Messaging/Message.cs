using Orleans.Chat.Runtime.Invocation;
using Orleans.Chat.Runtime.Scheduling;

namespace Orleans.Chat.Runtime.Messaging;

/// <summary>
/// Work addressed to an activation that waits for its turn: a grain call (an invokable and the caller's
/// completion), a timer tick, a reminder. <see cref="Start"/> runs on the activation's scheduler.
/// </summary>
internal abstract class Message
{
    private static long s_lastCorrelationId;

    protected Message(GrainId targetId, InvokeFlags flags) => Initialize(targetId, flags);

    /// <summary>Matches a response to its request once calls cross processes; unique within the process.</summary>
    public long CorrelationId { get; private set; }

    public GrainId TargetId { get; private set; }

    public InvokeFlags Flags { get; private set; }

    /// <summary>The scheduler that accepted the message; set when it is queued.</summary>
    public ActivationScheduler? Scheduler { get; set; }

    /// <summary>Whether finishing this message counts as activity for idle collection.</summary>
    public virtual bool KeepAlive => true;

    /// <summary>Whether the message may move to the grain's next activation when this one closes before it started.</summary>
    public virtual bool CanForward => true;

    /// <summary>The caller has its answer (or gave up waiting).</summary>
    public abstract bool IsCompleted { get; }

    /// <summary>Which use of a pooled message this is; a timeout meant for an earlier use must not touch a later one.</summary>
    public virtual short Generation => 0;

    public abstract string MethodDescription { get; }

    /// <summary>Runs the work on <see cref="Scheduler"/>; must call <see cref="ActivationScheduler.OnRequestFinished"/> when done.</summary>
    public abstract void Start();

    /// <summary>Fails the caller without running the work (activation failed, silo stopping).</summary>
    public abstract void Fail(Exception exception);

    /// <summary>Fails the caller with a timeout if it is still waiting on the use <paramref name="generation"/> of this message.</summary>
    public virtual void TimeOut(TimeSpan timeout, short generation) => Fail(CreateTimeoutException(timeout));

    protected void Initialize(GrainId targetId, InvokeFlags flags)
    {
        TargetId = targetId;
        Flags = flags;
        CorrelationId = Interlocked.Increment(ref s_lastCorrelationId);
        Scheduler = null;
    }

    protected TimeoutException CreateTimeoutException(TimeSpan timeout) =>
        new($"Response did not arrive on time in {timeout} for the call to {MethodDescription} on grain {TargetId}.");
}
