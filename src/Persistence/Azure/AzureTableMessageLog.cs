using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.AzureStorage;

/// <summary>Counters of the log's entity-group transactions, for tests, benchmarks and diagnostics.</summary>
/// <param name="Transactions">Transactions committed.</param>
/// <param name="Entries">Entries those transactions wrote.</param>
/// <param name="LargestTransaction">The most entries one transaction wrote.</param>
/// <param name="FailedTransactions">Transactions the service refused (a conflict or a bad operation); their other appends were retried.</param>
public readonly record struct AzureTableLogStatistics(long Transactions, long Entries, int LargestTransaction, long FailedTransactions);

/// <summary>
/// The message log on Azure Table Storage: a conversation per partition, rows as <see cref="AzureTableRows"/> describes.
/// <para>
/// Group commit: appends queue in <see cref="GroupCommitWriter{TWrite}"/> (a conversation always in the same queue, so
/// in order). A writer takes every pending append, groups them by conversation, and commits each conversation's appends
/// in entity-group transactions of at most 100 operations, the conversations in parallel; callers are answered only
/// after their transaction committed. The writer is reused as is: it brings the bounded queues, ordering, cancellation
/// and draining on dispose; this class stages an outcome for every append itself, so the writer's retry-one-by-one
/// fallback (for an executor that throws) runs only when the table cannot be created. Revisions queue with the appends,
/// so that one runs after the appends of its conversation queued before it (see <see cref="ReviseEntryAsync"/>).
/// </para>
/// <para>
/// Each transaction also rewrites the partition's head row (its last sequence) under the head's ETag. So an append must
/// carry exactly the last sequence + 1, and a second writer (a stale activation elsewhere) cannot interleave: its
/// transaction fails on the head and it re-reads. The last sequence and the head's ETag are cached per conversation
/// (one writer per conversation makes the cache right nearly always); a miss, or any disagreement, reads the head again.
/// </para>
/// <para>
/// A refused transaction names the operation that failed: an idempotency key already stored (the append is a retry:
/// it gets the stored entry), a sequence already taken (a conflict) or a bad entity (that append fails); the other
/// appends are planned again and retried. A refusal that names no operation (the request too large) retries the appends
/// one per transaction. When the service cannot be reached (after the client's own retries), the conversation's
/// undecided appends fail, and its cached head is dropped: the transaction may have committed with its answer lost, and
/// a retry of an identical append is then answered with the stored entry.
/// </para>
/// </summary>
public sealed partial class AzureTableMessageLog : IMessageLog, IAsyncDisposable
{
    /// <summary>Heads cached before the cache is emptied (a miss costs one point read).</summary>
    private const int MaxCachedHeads = 100_000;

    /// <summary>How often in a row another writer may move a head under us before the appends fail.</summary>
    private const int MaxHeadConflicts = 16;

    private readonly TableClient _table;
    private readonly GroupCommitWriter<PendingWrite> _writer;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Head> _heads = new(StringComparer.Ordinal);
    private readonly TableCreation _creation;
    private long _transactions;
    private long _entries;
    private int _largestTransaction;
    private long _failedTransactions;
    private int _disposed;

    public AzureTableMessageLog(IOptions<AzureStorageOptions> options, ILogger<AzureTableMessageLog>? logger = null)
    {
        var settings = options.Value;
        _logger = logger ?? NullLogger<AzureTableMessageLog>.Instance;
        _table = new TableServiceClient(settings.ConnectionString).GetTableClient(settings.MessageTableName);
        _creation = new TableCreation(_table);
        _writer = new GroupCommitWriter<PendingWrite>(
            "azure-table",
            settings.WriterPartitions,
            settings.QueueCapacity,
            settings.GroupCommit ? settings.MaxBatchSize : 1,
            ExecuteBatchAsync,
            _logger);
    }

    /// <summary>The table's name.</summary>
    public string TableName => _table.Name;

    public AzureTableLogStatistics Statistics => new(
        Interlocked.Read(ref _transactions),
        Interlocked.Read(ref _entries),
        Volatile.Read(ref _largestTransaction),
        Interlocked.Read(ref _failedTransactions));

    /// <summary>The writer queues' counters (a "commit" there is one batch: every conversation's transactions in it).</summary>
    public GroupCommitStatistics WriterStatistics => _writer.Statistics;

    /// <summary>Creates the table when missing (once; a failed attempt is retried on the next call).</summary>
    public Task CreateTableAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _creation.EnsureAsync(cancellationToken);
    }

    /// <summary>Asks the table service for one row: the health check's trivial query.</summary>
    internal async ValueTask PingAsync(CancellationToken cancellationToken)
    {
        await CreateTableAsync(cancellationToken).ConfigureAwait(false);
        await _table.GetEntityIfExistsAsync<TableEntity>("health", AzureTableRows.HeadRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<LogEntry> AppendAsync(LogEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Payload.Length > AzureTableRows.MaxPayloadLength)
        {
            return ValueTask.FromException<LogEntry>(new ArgumentException(
                $"The payload has {entry.Payload.Length} characters; an Azure Table entity holds at most {AzureTableRows.MaxPayloadLength}.", nameof(entry)));
        }

        return new(_writer.WriteAsync(new LogAppend(entry, cancellationToken)));
    }

    /// <summary>Through the writer, like an append, so that it sees every append of its log queued before it.</summary>
    public ValueTask<bool> ReviseAsync(string logId, long sequence, string entryId, string payload, bool counted, CancellationToken cancellationToken = default)
    {
        if (payload.Length > AzureTableRows.MaxPayloadLength)
        {
            return ValueTask.FromException<bool>(new ArgumentException(
                $"The payload has {payload.Length} characters; an Azure Table entity holds at most {AzureTableRows.MaxPayloadLength}.", nameof(payload)));
        }

        return new(_writer.WriteAsync(new LogRevise(logId, sequence, entryId, payload, counted, cancellationToken)));
    }

    public async ValueTask<IReadOnlyList<LogEntry>> ReadAsync(string logId, long fromSequence, LogDirection direction, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit == 0)
        {
            return [];
        }

        await CreateTableAsync(cancellationToken).ConfigureAwait(false);
        var partitionKey = AzureTableRows.PartitionKey(logId);
        if (direction == LogDirection.Forward)
        {
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {partitionKey} and RowKey gt {AzureTableRows.EntryRowKey(fromSequence)} and RowKey lt {AzureTableRows.EntryRangeEnd}");
            return await QueryEntriesAsync(logId, filter, limit, cancellationToken).ConfigureAwait(false);
        }

        // Backward: the table only scans forward, so read the window just below the start. Sequences have no gaps (an
        // append must be the last + 1), so one window of `limit` sequences is the page; should there ever be gaps, the
        // window grows downwards until the page is full or the log's start is reached.
        var last = (await ReadHeadAsync(partitionKey, cancellationToken).ConfigureAwait(false)).Last;
        var high = Math.Min(fromSequence - 1, last);
        var page = new List<LogEntry>(Math.Min(limit, 1_024));
        var window = (long)limit;
        while (page.Count < limit && high >= 1)
        {
            var low = Math.Max(1, high - window + 1);
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {partitionKey} and RowKey ge {AzureTableRows.EntryRowKey(low)} and RowKey le {AzureTableRows.EntryRowKey(high)}");
            var ascending = await QueryEntriesAsync(logId, filter, int.MaxValue, cancellationToken).ConfigureAwait(false);
            for (var i = ascending.Count - 1; i >= 0 && page.Count < limit; i--)
            {
                page.Add(ascending[i]);
            }

            high = low - 1;
            window = Math.Min(window * 2, 1L << 40);
        }

        return page;
    }

    public async ValueTask<LogEntry?> FindByIdAsync(string logId, string entryId, CancellationToken cancellationToken = default)
    {
        // No index row for entry ids (nothing in the product looks entries up by id, and an index row would make every
        // append three operations): a filter over the partition's entries, the first in sequence order.
        await CreateTableAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {AzureTableRows.PartitionKey(logId)} and RowKey gt {AzureTableRows.EntryPrefix} and RowKey lt {AzureTableRows.EntryRangeEnd} and EntryId eq {entryId}");
        return await QueryEntriesAsync(logId, filter, 1, cancellationToken).ConfigureAwait(false) is [var entry] ? entry : null;
    }

    public async ValueTask<LogEntry?> FindByIdempotencyKeyAsync(string logId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        await CreateTableAsync(cancellationToken).ConfigureAwait(false);
        return await FindByKeyAsync(logId, AzureTableRows.PartitionKey(logId), idempotencyKey, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long> GetLastSequenceAsync(string logId, CancellationToken cancellationToken = default)
    {
        await CreateTableAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadHeadAsync(AzureTableRows.PartitionKey(logId), cancellationToken).ConfigureAwait(false)).Last;
    }

    public async ValueTask<LogCount> CountAsync(string logId, long afterSequence, long upToSequence, IReadOnlyCollection<string>? excludedAuthorIds, CancellationToken cancellationToken = default)
    {
        await CreateTableAsync(cancellationToken).ConfigureAwait(false);
        var range = TableClient.CreateQueryFilter(
            $"PartitionKey eq {AzureTableRows.PartitionKey(logId)} and RowKey gt {AzureTableRows.EntryRowKey(afterSequence)} and RowKey le {AzureTableRows.EntryRowKey(upToSequence)}");
        var first = excludedAuthorIds?.FirstOrDefault();
        var filter = first is null ? range : range + TableClient.CreateQueryFilter($" and AuthorId ne {first}");
        var others = excludedAuthorIds is { Count: > 1 } ? excludedAuthorIds.Skip(1).ToHashSet(StringComparer.Ordinal) : null;

        // The service filters on the first author (the reader); the others (a filter takes only 15 comparisons) and
        // entries that no longer count are skipped here: a service filter has no test for "false, not absent", and rows
        // written before the flag lack it. Only the row keys, the author and the flags come back.
        var count = default(LogCount);
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1_000, select: ["RowKey", AzureTableRows.AuthorId, AzureTableRows.HighPriority, AzureTableRows.Counted], cancellationToken).ConfigureAwait(false))
        {
            if ((entity.GetBoolean(AzureTableRows.Counted) ?? true) && !(others?.Contains(entity.GetString(AzureTableRows.AuthorId)) ?? false))
            {
                count += LogCount.One(entity.GetBoolean(AzureTableRows.HighPriority) ?? false);
            }
        }

        return count;
    }

    private async Task<List<LogEntry>> QueryEntriesAsync(string logId, string filter, int limit, CancellationToken cancellationToken)
    {
        var entries = new List<LogEntry>(Math.Min(limit, 1_024));
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(limit, 1_000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            entries.Add(AzureTableRows.ToEntry(logId, entity));
            if (entries.Count == limit)
            {
                break;
            }
        }

        return entries;
    }

    private async Task<LogEntry?> FindByKeyAsync(string logId, string partitionKey, string idempotencyKey, CancellationToken cancellationToken)
    {
        var index = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, AzureTableRows.KeyRowKey(idempotencyKey), cancellationToken: cancellationToken).ConfigureAwait(false);
        return index.HasValue && index.Value!.GetInt64(AzureTableRows.Sequence) is { } sequence
            ? await ReadEntryAsync(logId, partitionKey, sequence, cancellationToken).ConfigureAwait(false)
            : null;
    }

    private async Task<LogEntry?> ReadEntryAsync(string logId, string partitionKey, long sequence, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, AzureTableRows.EntryRowKey(sequence), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? AzureTableRows.ToEntry(logId, row.Value!) : null;
    }

    private async Task<Head> ReadHeadAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, AzureTableRows.HeadRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue
            ? new Head(row.Value!.GetInt64(AzureTableRows.LastSequence) ?? 0, row.Value.ETag)
            : new Head(0, null);
    }

    private async Task ExecuteBatchAsync(int partition, IReadOnlyList<PendingWrite> batch, CancellationToken cancellationToken)
    {
        await CreateTableAsync(cancellationToken).ConfigureAwait(false);

        // One conversation per transaction: group the batch by log, keeping each log's writes in queue order.
        var logs = new Dictionary<string, List<PendingWrite>>(StringComparer.Ordinal);
        foreach (var write in batch)
        {
            var logId = write switch
            {
                LogAppend append => append.Entry.LogId,
                LogRevise revise => revise.LogId,
                _ => throw new InvalidOperationException($"Unknown write {write.GetType().Name}."),
            };
            if (!logs.TryGetValue(logId, out var writes))
            {
                logs[logId] = writes = [];
            }

            writes.Add(write);
        }

        if (logs.Count == 1)
        {
            var (logId, writes) = logs.First();
            await WriteToLogAsync(logId, writes).ConfigureAwait(false);
            return;
        }

        await Task.WhenAll(logs.Select(log => WriteToLogAsync(log.Key, log.Value))).ConfigureAwait(false);
    }

    /// <summary>
    /// Commits one conversation's writes in queue order, staging an outcome for every one; never throws. Appends go
    /// together in as few transactions as they fit; a revision runs between the appends queued before it and those after.
    /// </summary>
    private async Task WriteToLogAsync(string logId, List<PendingWrite> writes)
    {
        var appends = new List<LogAppend>();
        foreach (var write in writes)
        {
            if (write is LogAppend append)
            {
                appends.Add(append);
                continue;
            }

            if (appends.Count > 0)
            {
                await AppendToLogAsync(logId, appends).ConfigureAwait(false);
                appends = [];
            }

            await ReviseEntryAsync(logId, (LogRevise)write).ConfigureAwait(false);
        }

        if (appends.Count > 0)
        {
            await AppendToLogAsync(logId, appends).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Rewrites an entry row, staging the outcome; never throws. The row is read, its entry id checked, and the row
    /// replaced whole under the ETag it was read with. Whole (UpdateReplace), because a merge keeps every property it does
    /// not name: a shorter payload would leave the old one's later chunks (<c>Payload1</c>, ...) in the row. Under the
    /// ETag, because the service cannot compare the entry id in the write: so the row checked is the row replaced, and a
    /// writer in between (a stale activation) makes it read again. The idempotency-key row holds only the sequence and the
    /// head only the last sequence, so neither changes, nor does the cached head (its ETag is the head row's).
    /// </summary>
    private async Task ReviseEntryAsync(string logId, LogRevise revise)
    {
        var partitionKey = AzureTableRows.PartitionKey(logId);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var row = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, AzureTableRows.EntryRowKey(revise.Sequence), cancellationToken: CancellationToken.None).ConfigureAwait(false);
                if (!row.HasValue || row.Value!.GetString(AzureTableRows.EntryId) != revise.EntryId)
                {
                    revise.StageResult(false);
                    return;
                }

                var entry = AzureTableRows.ToEntry(logId, row.Value) with { Payload = revise.Payload, Counted = revise.Counted };
                try
                {
                    await _table.UpdateEntityAsync(AzureTableRows.EntryEntity(partitionKey, entry), row.Value.ETag, TableUpdateMode.Replace, CancellationToken.None).ConfigureAwait(false);
                    revise.StageResult(true);
                    return;
                }
                catch (RequestFailedException exception) when (exception.Status is 404 or 412 && attempt < MaxHeadConflicts)
                {
                    // Replaced or removed since it was read (another writer): read it again, as often as an append re-reads a moved head.
                }
            }
        }
        catch (Exception exception)
        {
            LogReviseFailed(_logger, exception, logId, revise.Sequence);
            revise.StageFailure(exception);
        }
    }

    /// <summary>Commits one conversation's appends, in order, staging an outcome for every one; never throws.</summary>
    private async Task AppendToLogAsync(string logId, List<LogAppend> pending)
    {
        var partitionKey = AzureTableRows.PartitionKey(logId);
        var headConflicts = 0;
        var onePerTransaction = false;
        try
        {
            var fresh = false;
            if (!_heads.TryGetValue(logId, out var head))
            {
                head = await ReadHeadAsync(partitionKey, CancellationToken.None).ConfigureAwait(false);
                fresh = true;
            }

            while (pending.Count > 0)
            {
                var round = Round.Plan(head, pending, onePerTransaction);
                if (round.Refused.Count > 0 && !fresh)
                {
                    // The cached head may be behind another process's appends: decide on the stored one.
                    head = await ReadHeadAsync(partitionKey, CancellationToken.None).ConfigureAwait(false);
                    fresh = true;
                    continue;
                }

                if (round.Chosen.Count == 0)
                {
                    await ResolveRefusedAsync(logId, partitionKey, head, round.Refused, pending).ConfigureAwait(false);
                    break;
                }

                Exception? failure;
                try
                {
                    var responses = await _table.SubmitTransactionAsync(round.Actions(partitionKey, head), CancellationToken.None).ConfigureAwait(false);
                    Counted(round.Chosen.Count);
                    round.StageCommitted(pending);

                    // The head's new ETag comes back with the first operation's answer; without it, read the head.
                    head = responses.Value is [{ Headers.ETag: { } eTag }, ..]
                        ? new Head(round.Last, eTag)
                        : await ReadHeadAsync(partitionKey, CancellationToken.None).ConfigureAwait(false);
                    fresh = true;
                    await ResolveRefusedAsync(logId, partitionKey, head, round.Refused, pending).ConfigureAwait(false);
                    headConflicts = 0;
                    continue;
                }
                catch (RequestFailedException exception) when (exception.Status is >= 400 and < 500)
                {
                    // Refused: nothing of the transaction was written, so the head is what it was.
                    Interlocked.Increment(ref _failedTransactions);
                    failure = exception;
                }

                var index = (failure as TableTransactionFailedException)?.FailedTransactionActionIndex;
                var (owner, operation) = round.Owner(index);
                var status = ((RequestFailedException)failure).Status;
                LogTransactionRefused(_logger, logId, index ?? -1, status, ((RequestFailedException)failure).ErrorCode);
                switch (operation)
                {
                    case Operation.Head when status is not (404 or 409 or 412):
                        // The head row itself is refused (a log id the service cannot take as a key): every append of this log fails.
                        throw failure;
                    case Operation.Head:
                        // Another writer moved the head (or created, or removed it): decide again on what is stored.
                        if (++headConflicts > MaxHeadConflicts)
                        {
                            throw failure;
                        }

                        head = await ReadHeadAsync(partitionKey, CancellationToken.None).ConfigureAwait(false);
                        fresh = true;
                        break;
                    case Operation.Key when status == 409:
                        // The key is stored: a retry of an append stored before. It (and its followers in this round)
                        // get the stored entry; if that is gone, the append fails.
                        if (await FindByKeyAsync(logId, partitionKey, owner!.Entry.IdempotencyKey!, CancellationToken.None).ConfigureAwait(false) is { } earlier)
                        {
                            round.StageOwnerAndFollowers(owner, earlier);
                        }
                        else
                        {
                            owner.StageFailure(failure);
                        }

                        round.RemoveOwnerAndFollowers(pending, owner);
                        break;
                    case Operation.Entry when status == 409:
                        // The sequence is taken although the head said it was free (a head behind its entries).
                        head = await ReadHeadAsync(partitionKey, CancellationToken.None).ConfigureAwait(false);
                        fresh = true;
                        await ResolveRefusedAsync(logId, partitionKey, head, [owner!], pending).ConfigureAwait(false);
                        break;
                    case Operation.Entry or Operation.Key:
                        // A bad entity (too large, a key the service refuses): only this append fails.
                        owner!.StageFailure(failure);
                        pending.Remove(owner);
                        break;
                    default:
                        // Refused as a whole, naming no operation (the request too large, ...): try one append per
                        // transaction; if that is refused too, that append fails.
                        if (!onePerTransaction && round.Chosen.Count > 1)
                        {
                            onePerTransaction = true;
                        }
                        else
                        {
                            round.Chosen[0].StageFailure(failure);
                            pending.Remove(round.Chosen[0]);
                        }

                        break;
                }
            }

            Remember(logId, head);
        }
        catch (Exception exception)
        {
            // Unreachable service (the client already retried), or something unexpected: every append not yet decided
            // fails with it. A transaction may have committed with its answer lost: read the head again next time.
            LogTransactionFailed(_logger, exception, logId, pending.Count);
            _heads.TryRemove(logId, out _);
            foreach (var append in pending)
            {
                append.StageFailure(exception);
            }
        }
    }

    /// <summary>
    /// Answers appends that the plan refused (their sequence is not the last + 1): a retry whose idempotency key is stored
    /// gets the stored entry; an append identical to the stored entry of its sequence (it committed, but its answer was
    /// lost) gets that; the rest conflict, with Orleans' <see cref="InconsistentStateException"/>. Each answered
    /// append leaves <paramref name="pending"/> at once, so a failure on the way fails only those not yet answered.
    /// </summary>
    private async Task ResolveRefusedAsync(string logId, string partitionKey, Head head, List<LogAppend> refused, List<LogAppend> pending)
    {
        foreach (var append in refused)
        {
            var entry = append.Entry;
            if (entry.IdempotencyKey is { } key && await FindByKeyAsync(logId, partitionKey, key, CancellationToken.None).ConfigureAwait(false) is { } earlier)
            {
                append.StageResult(earlier);
            }
            else if (entry.Sequence >= 1 && entry.Sequence <= head.Last && await ReadEntryAsync(logId, partitionKey, entry.Sequence, CancellationToken.None).ConfigureAwait(false) == entry)
            {
                append.StageResult(entry);
            }
            else
            {
                append.StageFailure(StorageConflicts.Sequence(entry, head.Last));
            }

            pending.Remove(append);
        }
    }

    private void Remember(string logId, Head head)
    {
        if (_heads.Count >= MaxCachedHeads && !_heads.ContainsKey(logId))
        {
            _heads.Clear();
        }

        _heads[logId] = head;
    }

    private void Counted(int entries)
    {
        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _entries, entries);
        int largest;
        while (entries > (largest = Volatile.Read(ref _largestTransaction))
            && Interlocked.CompareExchange(ref _largestTransaction, entries, largest) != largest)
        {
        }
    }

    /// <summary>Stops taking appends, commits everything queued.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The partition's last sequence and the head row's ETag (null: no head row, the log is empty).</summary>
    private readonly record struct Head(long Last, ETag? ETag);

    private enum Operation
    {
        None,
        Head,
        Entry,
        Key,
    }

    /// <summary>One transaction's worth of a conversation's pending appends, in queue order.</summary>
    private sealed class Round
    {
        private readonly List<(LogAppend Owner, Operation Operation)> _operations = [(null!, Operation.Head)];
        private readonly List<(LogAppend Follower, LogAppend Leader)> _followers = [];

        /// <summary>Appends this transaction writes: sequences last + 1, last + 2, ...</summary>
        public List<LogAppend> Chosen { get; } = [];

        /// <summary>Appends whose sequence is not the next one: answered after the transaction (a retry, or a conflict).</summary>
        public List<LogAppend> Refused { get; } = [];

        /// <summary>The last sequence once the transaction committed.</summary>
        public long Last { get; private set; }

        public static Round Plan(Head head, List<LogAppend> pending, bool onePerTransaction)
        {
            var round = new Round { Last = head.Last };
            var keys = new Dictionary<string, LogAppend>(StringComparer.Ordinal);
            var bytes = 0L;
            foreach (var append in pending)
            {
                var entry = append.Entry;
                if (entry.IdempotencyKey is { } key && keys.TryGetValue(key, out var leader))
                {
                    // Same key as an append of this transaction: it gets that append's entry.
                    round._followers.Add((append, leader));
                    continue;
                }

                if (entry.Sequence != round.Last + 1)
                {
                    round.Refused.Add(append);
                    continue;
                }

                var operations = entry.IdempotencyKey is null ? 1 : 2;
                var size = AzureTableRows.EstimateRequestBytes(entry);
                if (round.Chosen.Count > 0
                    && (onePerTransaction
                        || round._operations.Count + operations > AzureTableRows.MaxOperationsPerTransaction
                        || bytes + size > AzureTableRows.MaxTransactionBytes))
                {
                    break; // the rest waits for the next transaction
                }

                round.Chosen.Add(append);
                round._operations.Add((append, Operation.Entry));
                if (entry.IdempotencyKey is { } newKey)
                {
                    keys[newKey] = append;
                    round._operations.Add((append, Operation.Key));
                }

                bytes += size;
                round.Last = entry.Sequence;
            }

            return round;
        }

        public List<TableTransactionAction> Actions(string partitionKey, Head head)
        {
            var actions = new List<TableTransactionAction>(_operations.Count)
            {
                head.ETag is { } eTag
                    ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, AzureTableRows.HeadEntity(partitionKey, Last), eTag)
                    : new TableTransactionAction(TableTransactionActionType.Add, AzureTableRows.HeadEntity(partitionKey, Last)),
            };
            for (var i = 1; i < _operations.Count; i++)
            {
                var (owner, operation) = _operations[i];
                actions.Add(new TableTransactionAction(
                    TableTransactionActionType.Add,
                    operation == Operation.Entry ? AzureTableRows.EntryEntity(partitionKey, owner.Entry) : AzureTableRows.KeyEntity(partitionKey, owner.Entry)));
            }

            return actions;
        }

        /// <summary>Which append (and which of its rows) the failed operation index names; <see cref="Operation.None"/> if none.</summary>
        public (LogAppend? Owner, Operation Operation) Owner(int? index) =>
            index is { } i && i >= 0 && i < _operations.Count ? _operations[i] : (null, Operation.None);

        /// <summary>Answers the written appends and their followers, and takes them out of the pending list.</summary>
        public void StageCommitted(List<LogAppend> pending)
        {
            var decided = new HashSet<LogAppend>(Chosen, ReferenceEqualityComparer.Instance);
            foreach (var append in Chosen)
            {
                append.StageResult(append.Entry);
            }

            foreach (var (follower, leader) in _followers)
            {
                follower.StageResult(leader.Entry);
                decided.Add(follower);
            }

            pending.RemoveAll(decided.Contains);
        }

        public void StageOwnerAndFollowers(LogAppend owner, LogEntry earlier)
        {
            owner.StageResult(earlier);
            foreach (var (follower, leader) in _followers)
            {
                if (ReferenceEquals(leader, owner))
                {
                    follower.StageResult(earlier);
                }
            }
        }

        public void RemoveOwnerAndFollowers(List<LogAppend> pending, LogAppend owner)
        {
            var decided = new HashSet<LogAppend>(ReferenceEqualityComparer.Instance) { owner };
            foreach (var (follower, leader) in _followers)
            {
                if (ReferenceEquals(leader, owner))
                {
                    decided.Add(follower);
                }
            }

            pending.RemoveAll(decided.Contains);
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "Azure Table log {LogId}: the service refused operation {Index} of a transaction ({Status} {ErrorCode}); retrying the other appends")]
    private static partial void LogTransactionRefused(ILogger logger, string logId, int index, int status, string? errorCode);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Azure Table log {LogId}: a transaction of {Count} appends failed")]
    private static partial void LogTransactionFailed(ILogger logger, Exception exception, string logId, int count);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Azure Table log {LogId}: the revision of entry {Sequence} failed")]
    private static partial void LogReviseFailed(ILogger logger, Exception exception, string logId, long sequence);
}
