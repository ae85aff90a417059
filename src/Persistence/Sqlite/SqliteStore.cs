using System.Globalization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>
/// The SQLite database behind the SQLite providers (grain state, reminders, message log, rosters): one file in WAL
/// mode with <c>synchronous=FULL</c>, one writer connection fed by a group-commit queue (every pending write in one
/// transaction; callers are answered after the commit), and a small pool of read connections. The schema is created
/// or migrated when the store opens. Message-log appends go to a journal table first and are checkpointed into
/// <c>message_log</c> between batches (see <see cref="SqliteLogJournal"/>).
/// </summary>
public sealed partial class SqliteStore : IAsyncDisposable
{
    private readonly SqliteStorageOptions _options;
    private readonly ILogger<SqliteStore> _logger;
    private readonly FileStream _processLock;
    private readonly SqliteSession _writeSession;
    private readonly GroupCommitWriter<PendingWrite> _writer;
    private readonly Channel<SqliteSession> _readers;
    private readonly SqliteSession[] _allReaders;
    private readonly SqliteLogJournal _journal = new();
    private readonly List<(long Id, LogEntry Entry)> _batchAppends = [];
    private readonly Dictionary<(string LogId, string Key), LogEntry> _batchKeys = [];
    private readonly Dictionary<string, long> _batchLastSequences = new(StringComparer.Ordinal);
    private int _disposed;
    private long _checkpoints;
    private long _checkpointedEntries;
    private long _checkpointTicks;

    public SqliteStore(IOptions<SqliteStorageOptions> options, ILogger<SqliteStore>? logger = null)
    {
        _options = options.Value;
        _logger = logger ?? NullLogger<SqliteStore>.Instance;
        FilePath = System.IO.Path.GetFullPath(_options.Path);
        var directory = System.IO.Path.GetDirectoryName(FilePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // The journal's in-memory index assumes this store is the file's only writer: refuse a second one, in this
        // process or another. The OS drops the lock when a process dies, so a killed process never leaves it behind.
        try
        {
            _processLock = new FileStream(FilePath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception)
        {
            throw new InvalidOperationException($"The SQLite store '{FilePath}' is already open in this or another process; only one may open it at a time.", exception);
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();

        try
        {
            _writeSession = new SqliteSession(connectionString, _options.BusyTimeoutMilliseconds, writer: true);
            Migrate();
            CheckpointAtOpen();
            _allReaders = new SqliteSession[_options.ReadConnections];
            _readers = Channel.CreateBounded<SqliteSession>(_options.ReadConnections);
            for (var i = 0; i < _allReaders.Length; i++)
            {
                _allReaders[i] = new SqliteSession(connectionString, _options.BusyTimeoutMilliseconds, writer: false);
                _readers.Writer.TryWrite(_allReaders[i]);
            }
        }
        catch
        {
            foreach (var reader in _allReaders ?? [])
            {
                reader?.Dispose();
            }

            _writeSession?.Dispose();
            _processLock.Dispose();
            throw;
        }

        _writer = new GroupCommitWriter<PendingWrite>(
            "sqlite",
            partitions: 1,
            _options.QueueCapacity,
            _options.GroupCommit ? _options.MaxBatchSize : 1,
            ExecuteBatch,
            _logger,
            CheckpointIfDue);
        LogOpened(_logger, FilePath, SqliteSchema.Migrations.Length);
    }

    /// <summary>The full path of the database file.</summary>
    public string FilePath { get; }

    /// <summary>How many transactions the writer committed and how many writes they carried.</summary>
    public GroupCommitStatistics WriterStatistics => _writer.Statistics;

    internal Task<TResult> WriteAsync<TResult>(StorageWrite<TResult> write) => _writer.WriteAsync(write);

    /// <summary>Runs <paramref name="read"/> on a pooled read connection.</summary>
    internal async ValueTask<TResult> ReadAsync<TState, TResult>(TState state, Func<SqliteSession, TState, TResult> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var session = await _readers.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return read(session, state);
        }
        finally
        {
            _readers.Writer.TryWrite(session);
        }
    }

    /// <summary>
    /// Runs a read of one log: <paramref name="read"/> gets the journal's entries of that log and the journal, to ask
    /// whether a checkpoint overlapped the read (then an entry can be in both tables). The ids are taken before the read
    /// transaction starts, so every entry committed before it is in message_log or among those journal rows (a row a
    /// checkpoint trimmed meanwhile is in message_log, in the same snapshot).
    /// </summary>
    internal ValueTask<TResult> ReadLogAsync<TState, TResult>(string logId, TState state, Func<SqliteSession, JournalView, TState, TResult> read, CancellationToken cancellationToken) =>
        ReadAsync(
            (logId, state, read, journal: _journal),
            static (session, query) =>
            {
                var epoch = query.journal.Epoch;
                var ids = query.journal.Snapshot(query.logId);

                // One read transaction, so that every statement of the read sees the same snapshot of both tables.
                using var transaction = session.Connection.BeginTransaction(deferred: true);
                session.Transaction = transaction;
                try
                {
                    var entries = ids.Length == 0 ? [] : SqliteSql.ReadJournalRows(session, ids);
                    return query.read(session, new JournalView(query.journal, epoch, entries), query.state);
                }
                finally
                {
                    session.Transaction = null;
                }
            },
            cancellationToken);

    /// <summary>Checkpoints of the journal into message_log so far: how many, the entries they moved, the time they took.</summary>
    public (long Checkpoints, long Entries, TimeSpan Elapsed) CheckpointStatistics =>
        (Interlocked.Read(ref _checkpoints), Interlocked.Read(ref _checkpointedEntries), System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _checkpointTicks)));

    /// <summary>How many appends wait in the journal for a checkpoint.</summary>
    internal int JournalCount => _journal.Count;

    /// <summary>A trivial query on a read connection, for the health check.</summary>
    internal ValueTask<long> PingAsync(CancellationToken cancellationToken) =>
        ReadAsync(0, static (session, _) => (long)session.Command("SELECT 1").ExecuteScalar()!, cancellationToken);

    private void Migrate()
    {
        using var transaction = _writeSession.Connection.BeginTransaction(deferred: false);
        _writeSession.Transaction = transaction;
        var version = Convert.ToInt32(_writeSession.Command("PRAGMA user_version").ExecuteScalar(), CultureInfo.InvariantCulture);
        for (var i = version; i < SqliteSchema.Migrations.Length; i++)
        {
            _writeSession.Command(SqliteSchema.Migrations[i]).ExecuteNonQuery();
            _writeSession.Command(string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {i + 1}")).ExecuteNonQuery();
            LogMigrated(_logger, i + 1);
        }

        transaction.Commit();
        _writeSession.Transaction = null;
        if (version > SqliteSchema.Migrations.Length)
        {
            throw new InvalidOperationException($"The database '{FilePath}' has schema version {version}, newer than this build knows ({SqliteSchema.Migrations.Length}).");
        }
    }

    private Task ExecuteBatch(int partition, IReadOnlyList<PendingWrite> batch, CancellationToken cancellationToken)
    {
        var session = _writeSession;
        _batchAppends.Clear();
        _batchKeys.Clear();
        _batchLastSequences.Clear();
        using var transaction = session.Connection.BeginTransaction(deferred: false);
        session.Transaction = transaction;
        try
        {
            foreach (var write in batch)
            {
                try
                {
                    switch (write)
                    {
                        case LogAppend append:
                            Append(session, append);
                            break;
                        case LogRevise revise:
                            Revise(session, revise);
                            break;
                        case GrainStateWrite state:
                            WriteState(session, state);
                            break;
                        case ReminderUpsert upsert:
                            UpsertReminder(session, upsert);
                            break;
                        case ReminderRemove remove:
                            RemoveReminder(session, remove);
                            break;
                        case RosterWrite roster:
                            WriteRoster(session, roster);
                            break;
                        case SearchIndexWrite search:
                            WriteSearchIndex(session, search);
                            break;
                        case RemindersClear clear:
                            session.Command(SqliteSql.ClearReminders).ExecuteNonQuery();
                            clear.StageResult(true);
                            break;
                        default:
                            throw new InvalidOperationException($"Unknown write {write.GetType().Name}.");
                    }
                }
                catch (InconsistentStateException conflict)
                {
                    // Conflicts are found by conditional statements that changed nothing: the transaction stays usable.
                    write.StageFailure(conflict);
                }
            }

            transaction.Commit();
            _journal.Add(_batchAppends);
        }
        finally
        {
            session.Transaction = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// An append is checked against this batch, the journal and message_log: a retry (its idempotency key is stored)
    /// returns the earlier entry; otherwise its sequence must be the log's last + 1 (a taken one or a gap is a conflict).
    /// Then it is inserted into the journal table. Nothing is written for a retry or a conflict.
    /// </summary>
    private void Append(SqliteSession session, LogAppend append)
    {
        var entry = append.Entry;
        if (entry.IdempotencyKey is { } key
            && (_batchKeys.GetValueOrDefault((entry.LogId, key))
                ?? FindInJournal(session, entry.LogId, key)
                ?? SqliteSql.FindByIdempotencyKey(session, entry.LogId, key)) is { } earlier)
        {
            append.StageResult(earlier);
            return;
        }

        var last = LastSequence(session, entry.LogId);
        if (entry.Sequence != last + 1)
        {
            throw StorageConflicts.Sequence(entry, last);
        }

        var insert = session.Command(SqliteSql.AppendToJournal);
        insert.Parameters.AddWithValue("@log", entry.LogId);
        insert.Parameters.AddWithValue("@seq", entry.Sequence);
        insert.Parameters.AddWithValue("@id", entry.EntryId);
        insert.Parameters.AddWithValue("@key", (object?)entry.IdempotencyKey ?? DBNull.Value);
        insert.Parameters.AddWithValue("@author", entry.AuthorId);
        insert.Parameters.AddWithValue("@ts", entry.Timestamp.UtcTicks);
        insert.Parameters.AddWithValue("@payload", entry.Payload);
        insert.Parameters.AddWithValue("@high", entry.HighPriority);
        insert.Parameters.AddWithValue("@counted", entry.Counted);
        var id = (long)insert.ExecuteScalar()!;
        _batchAppends.Add((id, entry));
        _batchLastSequences[entry.LogId] = entry.Sequence;
        if (entry.IdempotencyKey is not null)
        {
            _batchKeys.Add((entry.LogId, entry.IdempotencyKey), entry);
        }

        append.StageResult(entry);
    }

    /// <summary>
    /// Rewrites the entry in place wherever it is: in message_log, in the journal table (appended by this batch or an
    /// earlier one, not checkpointed yet), or in both (a checkpoint copied its row and has not trimmed it yet). Every copy
    /// is rewritten, so no read sees the old payload, a later checkpoint copies the new one, and the old one stays nowhere.
    /// A journal row is found by its id through the in-memory index, as the journal table has no index to find it by.
    /// </summary>
    private void Revise(SqliteSession session, LogRevise revise)
    {
        var inBatch = _batchLastSequences.ContainsKey(revise.LogId)
            ? _batchAppends.FindLastIndex(a => a.Entry.LogId == revise.LogId && a.Entry.Sequence == revise.Sequence)
            : -1;
        long? journalRow = inBatch >= 0 ? _batchAppends[inBatch].Id : _journal.TryGetRow(revise.LogId, revise.Sequence, out var id) ? id : null;
        var revised = ReviseRow(session, SqliteSql.ReviseLogEntry, revise, row: null);
        if (journalRow is { } row)
        {
            revised |= ReviseRow(session, SqliteSql.ReviseJournalRow, revise, row);
        }

        // A retry of this batch's append later in the batch is answered from memory: answer it with the revised entry.
        if (revised && inBatch >= 0)
        {
            var entry = _batchAppends[inBatch].Entry with { Payload = revise.Payload, Counted = revise.Counted };
            _batchAppends[inBatch] = (_batchAppends[inBatch].Id, entry);
            if (entry.IdempotencyKey is { } key)
            {
                _batchKeys[(entry.LogId, key)] = entry;
            }
        }

        revise.StageResult(revised);
    }

    private static bool ReviseRow(SqliteSession session, string sql, LogRevise revise, long? row)
    {
        var command = session.Command(sql);
        command.Parameters.AddWithValue("@payload", revise.Payload);
        command.Parameters.AddWithValue("@counted", revise.Counted);
        command.Parameters.AddWithValue("@id", revise.EntryId);
        if (row is { } rowId)
        {
            command.Parameters.AddWithValue("@row", rowId);
        }
        else
        {
            command.Parameters.AddWithValue("@log", revise.LogId);
            command.Parameters.AddWithValue("@seq", revise.Sequence);
        }

        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>
    /// The log's last sequence as this batch will leave it so far: this batch's last append to it, else the journal's
    /// last entry of it, else message_log's. The journal's entries of a log are newer than all of its entries in
    /// message_log (this store is the file's only writer, every append goes to the journal, a checkpoint moves a log's
    /// entries all at once, and the journal is emptied at open), so message_log is asked only when neither knows the log.
    /// </summary>
    private long LastSequence(SqliteSession session, string logId)
    {
        if (_batchLastSequences.TryGetValue(logId, out var last) || _journal.TryGetLastSequence(logId, out last))
        {
            return last;
        }

        var command = session.Command(SqliteSql.LastSequence);
        command.Parameters.AddWithValue("@log", logId);
        return (long)command.ExecuteScalar()!;
    }

    private LogEntry? FindInJournal(SqliteSession session, string logId, string idempotencyKey) =>
        _journal.IdsWithKey(logId, idempotencyKey) is { Count: > 0 } ids
            ? Array.Find(SqliteSql.ReadJournalRows(session, ids), e => e.IdempotencyKey == idempotencyKey)
            : null;

    /// <summary>Moves a chunk of the journal into message_log once it has grown past the threshold (runs between batches).</summary>
    private Task CheckpointIfDue(int partition)
    {
        if (_journal.Count >= _options.JournalCheckpointRows)
        {
            Checkpoint(_options.JournalCheckpointChunk);
        }

        return Task.CompletedTask;
    }

    internal void Checkpoint(int maxEntries)
    {
        var selection = _journal.Select(maxEntries);
        if (selection.Ids.Count == 0)
        {
            return;
        }

        _journal.BeginCheckpoint();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var moved = false;
        try
        {
            using var transaction = _writeSession.Connection.BeginTransaction(deferred: false);
            _writeSession.Transaction = transaction;
            var command = _writeSession.Command(SqliteSql.CheckpointJournal);
            command.Parameters.AddWithValue("@ids", "[" + string.Join(',', selection.Ids) + "]");
            command.Parameters.AddWithValue("@trim", selection.TrimBelow);
            command.ExecuteNonQuery();
            transaction.Commit();
            moved = true;
        }
        finally
        {
            _writeSession.Transaction = null;
            if (moved)
            {
                _journal.EndCheckpoint(selection);
                Interlocked.Increment(ref _checkpoints);
                Interlocked.Add(ref _checkpointedEntries, selection.Ids.Count);
                Interlocked.Add(ref _checkpointTicks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
            }
            else
            {
                _journal.AbortCheckpoint();
            }
        }
    }

    /// <summary>Moves the whole journal table into message_log: at open (entries left by a killed process) and at close.</summary>
    private int CheckpointWholeJournal()
    {
        using var transaction = _writeSession.Connection.BeginTransaction(deferred: false);
        _writeSession.Transaction = transaction;
        try
        {
            var moved = (int)(long)_writeSession.Command("SELECT COUNT(*) FROM message_journal").ExecuteScalar()!;
            if (moved > 0)
            {
                _writeSession.Command(SqliteSql.CheckpointWholeJournal).ExecuteNonQuery();
            }

            transaction.Commit();
            return moved;
        }
        finally
        {
            _writeSession.Transaction = null;
        }
    }

    private void CheckpointAtOpen()
    {
        if (CheckpointWholeJournal() is var moved and > 0)
        {
            LogJournalRecovered(_logger, moved);
        }
    }

    private static void WriteState(SqliteSession session, GrainStateWrite write)
    {
        object? version;
        if (write.ETag is null && write.Data is null)
        {
            // Clearing a record the caller believes absent: fine when it is absent, a conflict when it exists.
            var current = SqliteSql.CurrentVersion(session, write.StateName, write.GrainId);
            if (current is not null)
            {
                throw StorageConflicts.GrainState(write.StateName, write.GrainId, null, current.Value.ToString(CultureInfo.InvariantCulture));
            }

            write.StageResult(null);
            return;
        }

        if (write.ETag is null)
        {
            var insert = session.Command(SqliteSql.InsertState);
            AddStateKey(insert, write.StateName, write.GrainId);
            insert.Parameters.AddWithValue("@data", write.Data);
            version = insert.ExecuteScalar();
        }
        else if (long.TryParse(write.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected))
        {
            var update = session.Command(write.Data is null ? SqliteSql.ClearState : SqliteSql.UpdateState);
            AddStateKey(update, write.StateName, write.GrainId);
            update.Parameters.AddWithValue("@version", expected);
            if (write.Data is not null)
            {
                update.Parameters.AddWithValue("@data", write.Data);
            }

            version = update.ExecuteScalar();
        }
        else
        {
            version = null;
        }

        if (version is null)
        {
            var stored = SqliteSql.CurrentVersion(session, write.StateName, write.GrainId);
            throw StorageConflicts.GrainState(write.StateName, write.GrainId, write.ETag, stored?.ToString(CultureInfo.InvariantCulture));
        }

        write.StageResult(write.Data is null ? null : Convert.ToInt64(version, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
    }

    internal static void AddStateKey(SqliteCommand command, string stateName, GrainKey grainId)
    {
        command.Parameters.AddWithValue("@state", stateName);
        command.Parameters.AddWithValue("@type", grainId.Type);
        command.Parameters.AddWithValue("@key", grainId.Key);
    }

    /// <summary>One statement per row, in order, so that two rows of one conversation in a write end as applying them in turn would.</summary>
    private static void WriteRoster(SqliteSession session, RosterWrite write)
    {
        foreach (var row in write.Rows)
        {
            var command = session.Command(SqliteSql.UpsertRosterRow);
            command.Parameters.AddWithValue("@user", write.UserId);
            command.Parameters.AddWithValue("@conversation", row.ConversationId);
            command.Parameters.AddWithValue("@revision", row.Revision);
            command.Parameters.AddWithValue("@payload", row.Payload);
            command.ExecuteNonQuery();
        }

        write.StageResult(true);
    }

    private static void UpsertReminder(SqliteSession session, ReminderUpsert upsert)
    {
        var command = session.Command(SqliteSql.UpsertReminder);
        command.Parameters.AddWithValue("@type", upsert.GrainId.Type);
        command.Parameters.AddWithValue("@key", upsert.GrainId.Key);
        command.Parameters.AddWithValue("@hash", (long)upsert.GrainHash);
        command.Parameters.AddWithValue("@name", upsert.ReminderName);
        command.Parameters.AddWithValue("@start", upsert.StartAt.ToUniversalTime().Ticks);
        command.Parameters.AddWithValue("@period", upsert.Period.Ticks);
        command.Parameters.AddWithValue("@etag", upsert.NewETag);
        command.ExecuteNonQuery();
        upsert.StageResult(upsert.NewETag);
    }

    private static void RemoveReminder(SqliteSession session, ReminderRemove remove)
    {
        var command = session.Command(SqliteSql.RemoveReminder);
        command.Parameters.AddWithValue("@type", remove.GrainId.Type);
        command.Parameters.AddWithValue("@key", remove.GrainId.Key);
        command.Parameters.AddWithValue("@name", remove.ReminderName);
        command.Parameters.AddWithValue("@etag", remove.ETag);
        remove.StageResult(command.ExecuteNonQuery() == 1);
    }

    /// <summary>Stops taking writes, commits everything queued, then closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        try
        {
            CheckpointWholeJournal();
            _journal.Clear();
        }
        catch (SqliteException exception)
        {
            // Not lost: the journal is durable and the next open moves it.
            LogCloseCheckpointFailed(_logger, exception);
        }

        _writeSession.Dispose();
        for (var i = 0; i < _allReaders.Length; i++)
        {
            // Wait for readers in use to come back before closing them.
            var session = await _readers.Reader.ReadAsync().ConfigureAwait(false);
            session.Dispose();
        }

        await _processLock.DisposeAsync().ConfigureAwait(false);

        LogClosed(_logger, FilePath);
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "SQLite store opened at {Path} (schema version {Version})")]
    private static partial void LogOpened(ILogger logger, string path, int version);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "SQLite schema migrated to version {Version}")]
    private static partial void LogMigrated(ILogger logger, int version);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "SQLite store found {Count} journal rows left by the last run and moved those not yet in the message log")]
    private static partial void LogJournalRecovered(ILogger logger, int count);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "SQLite store could not checkpoint its journal at close; the next open will")]
    private static partial void LogCloseCheckpointFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "SQLite store at {Path} closed")]
    private static partial void LogClosed(ILogger logger, string path);
}
