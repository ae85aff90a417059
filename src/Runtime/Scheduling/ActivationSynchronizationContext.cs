namespace Orleans.Chat.Runtime.Scheduling;

/// <summary>
/// The synchronization context installed while an activation's work runs: every await in grain code resumes
/// through it, so continuations are queued to the activation and run one at a time, never on two threads at once.
/// </summary>
internal sealed class ActivationSynchronizationContext(ActivationScheduler scheduler) : SynchronizationContext
{
    public ActivationScheduler Scheduler { get; } = scheduler;

    public override void Post(SendOrPostCallback d, object? state) => Scheduler.Post(d, state);

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Current == this)
        {
            d(state);
            return;
        }

        throw new NotSupportedException("Blocking on an activation's work is not supported; await the call instead.");
    }

    public override SynchronizationContext CreateCopy() => this;
}
