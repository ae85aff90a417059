namespace Orleans.Chat.Persistence.GroupCommit;

/// <summary>
/// One caller's write waiting in a group-commit queue. The batch executor stages an outcome
/// (<see cref="StageResult"/> or <see cref="StageFailure"/>); the writer publishes it only after the
/// batch's transaction has committed, so no caller is acknowledged from memory alone.
/// </summary>
internal abstract class PendingWrite(CancellationToken cancellationToken)
{
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Partition key: writes with the same key go to the same writer, in order.</summary>
    public abstract string PartitionKey { get; }

    internal abstract void ClearStaged();

    internal abstract void StageFailure(Exception exception);

    internal abstract void Publish();

    internal abstract void Fail(Exception exception);

    internal abstract void Cancel();
}

internal abstract class PendingWrite<TResult>(CancellationToken cancellationToken) : PendingWrite(cancellationToken)
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TResult? _result;
    private Exception? _failure;
    private bool _staged;

    public Task<TResult> Completion => _completion.Task;

    public void StageResult(TResult result)
    {
        _result = result;
        _failure = null;
        _staged = true;
    }

    internal override void StageFailure(Exception exception)
    {
        _result = default;
        _failure = exception;
        _staged = true;
    }

    internal override void ClearStaged()
    {
        _result = default;
        _failure = null;
        _staged = false;
    }

    internal override void Publish()
    {
        if (_failure is not null)
        {
            _completion.TrySetException(_failure);
        }
        else if (_staged)
        {
            _completion.TrySetResult(_result!);
        }
        else
        {
            _completion.TrySetException(new InvalidOperationException("The storage writer committed a batch without an outcome for this write."));
        }
    }

    internal override void Fail(Exception exception) => _completion.TrySetException(exception);

    internal override void Cancel() => _completion.TrySetCanceled(CancellationToken);
}
