using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Orleans.Chat.Persistence.GroupCommit;

/// <summary>Counters of a group-commit writer, for tests, benchmarks and diagnostics.</summary>
/// <param name="Commits">Transactions committed.</param>
/// <param name="Writes">Writes those transactions carried (failed ones included).</param>
/// <param name="LargestBatch">The most writes one transaction carried.</param>
/// <param name="BusyTime">Time the writers spent executing and committing batches (summed over partitions).</param>
public readonly record struct GroupCommitStatistics(long Commits, long Writes, int LargestBatch, TimeSpan BusyTime);

/// <summary>
/// Group commit: callers enqueue writes into bounded queues (one per partition); each partition has one
/// writer loop that takes every pending write available (up to <c>maxBatchSize</c>), hands the batch to
/// the executor (with the partition's index), which runs it in one transaction and commits, and only then completes each caller's task.
/// If a batch fails as a whole, its writes are retried one per transaction so that a single bad write fails
/// only its own caller.
/// </summary>
internal sealed partial class GroupCommitWriter<TWrite> : IAsyncDisposable
    where TWrite : PendingWrite
{
    private readonly Func<int, IReadOnlyList<TWrite>, CancellationToken, Task> _executeBatch;
    private readonly Func<int, Task>? _afterBatch;
    private readonly Channel<TWrite>[] _queues;
    private readonly Task[] _loops;
    private readonly int _maxBatchSize;
    private readonly ILogger _logger;
    private long _commits;
    private long _writes;
    private int _largestBatch;
    private long _busyTicks;
    private int _disposed;

    public GroupCommitWriter(
        string name,
        int partitions,
        int queueCapacity,
        int maxBatchSize,
        Func<int, IReadOnlyList<TWrite>, CancellationToken, Task> executeBatch,
        ILogger logger,
        Func<int, Task>? afterBatch = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        Name = name;
        _executeBatch = executeBatch;
        _afterBatch = afterBatch;
        _maxBatchSize = maxBatchSize;
        _logger = logger;
        _queues = new Channel<TWrite>[partitions];
        _loops = new Task[partitions];
        for (var i = 0; i < partitions; i++)
        {
            _queues[i] = Channel.CreateBounded<TWrite>(new BoundedChannelOptions(queueCapacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }

        for (var i = 0; i < partitions; i++)
        {
            var partition = i;
            _loops[i] = Task.Run(() => RunAsync(partition, _queues[partition].Reader));
        }
    }

    public string Name { get; }

    public GroupCommitStatistics Statistics => new(
        Interlocked.Read(ref _commits),
        Interlocked.Read(ref _writes),
        Volatile.Read(ref _largestBatch),
        TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks) * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency));

    /// <summary>Queues the write (waiting while the queue is full) and returns once it is committed.</summary>
    public async Task<TResult> WriteAsync<TResult>(PendingWrite<TResult> write)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var queue = _queues.Length == 1 ? _queues[0] : _queues[(int)((uint)StringComparer.Ordinal.GetHashCode(write.PartitionKey) % (uint)_queues.Length)];
        try
        {
            await queue.Writer.WriteAsync((TWrite)(PendingWrite)write, write.CancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(Name, "The storage writer is shutting down.");
        }

        return await write.Completion.ConfigureAwait(false);
    }

    private async Task RunAsync(int partition, ChannelReader<TWrite> reader)
    {
        var batch = new List<TWrite>(_maxBatchSize);
        var single = new TWrite[1];
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _maxBatchSize && reader.TryRead(out var write))
            {
                if (write.CancellationToken.IsCancellationRequested)
                {
                    write.Cancel();
                }
                else
                {
                    batch.Add(write);
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                await CommitAsync(partition, batch).ConfigureAwait(false);
            }
            catch (Exception exception) when (batch.Count > 1)
            {
                LogBatchFailed(_logger, exception, Name, batch.Count);
                foreach (var write in batch)
                {
                    single[0] = write;
                    try
                    {
                        await CommitAsync(partition, single).ConfigureAwait(false);
                    }
                    catch (Exception singleException)
                    {
                        write.Fail(singleException);
                    }
                }
            }
            catch (Exception exception)
            {
                LogBatchFailed(_logger, exception, Name, batch.Count);
                batch[0].Fail(exception);
            }

            if (_afterBatch is not null)
            {
                // Maintenance between batches (the callers of this batch are already answered).
                try
                {
                    await _afterBatch(partition).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    LogMaintenanceFailed(_logger, exception, Name);
                }
            }
        }
    }

    private async Task CommitAsync(int partition, IReadOnlyList<TWrite> batch)
    {
        foreach (var write in batch)
        {
            write.ClearStaged();
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await _executeBatch(partition, batch, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _busyTicks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        }

        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _writes, batch.Count);
        if (batch.Count > Volatile.Read(ref _largestBatch))
        {
            Volatile.Write(ref _largestBatch, batch.Count);
        }

        foreach (var write in batch)
        {
            write.Publish();
        }
    }

    /// <summary>Stops accepting writes, commits everything already queued, then stops the loops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var queue in _queues)
        {
            queue.Writer.TryComplete();
        }

        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Storage writer {Writer}: maintenance between batches failed; it will be tried again after the next batch")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception, string writer);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Storage writer {Writer}: a batch of {Count} writes failed; retrying them one by one")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, string writer, int count);
}
