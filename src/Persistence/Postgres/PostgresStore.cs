using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Postgres;

/// <summary>
/// The PostgreSQL database behind our PostgreSQL providers: an <see cref="NpgsqlDataSource"/> (pooling), versioned
/// migrations applied once under an advisory lock, and group commit through partitioned
/// writer queues: each partition sends all of its pending writes in one round trip and one transaction, and acknowledges
/// them only after COMMIT returns.
/// </summary>
public sealed partial class PostgresStore : IAsyncDisposable
{
    private readonly PostgresStorageOptions _options;
    private readonly ILogger<PostgresStore> _logger;
    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupCommitWriter<PendingWrite> _writer;
    private readonly Lock _migrationLock = new();
    private readonly NpgsqlConnection?[] _writerConnections;
    private Task? _migration;
    private int _disposed;

    public PostgresStore(IOptions<PostgresStorageOptions> options, ILogger<PostgresStore>? logger = null)
    {
        _options = options.Value;
        _logger = logger ?? NullLogger<PostgresStore>.Instance;
        var connection = new NpgsqlConnectionStringBuilder(_options.ConnectionString)
        {
            SearchPath = _options.Schema,
        };
        // No automatic preparation unless the connection string asks for it: with it, a batch that the server rejects
        // part of left Npgsql reading a stray DataRow ("Received unexpected backend message DataRow", npgsql/npgsql#6391)
        // in 3 of 5 runs of AppendAsync_OneWriteTheServerRejectsInABatch_FailsOnlyThatWrite; without it, in none of 6.
        connection.ApplicationName ??= "Orleans.Chat";

        // Sessions keep no state of ours beyond the startup parameters, so skip the reset round trip when a pooled connection is reused.
        connection.NoResetOnClose = true;
        _dataSource = new NpgsqlDataSourceBuilder(connection.ConnectionString).Build();
        _writerConnections = new NpgsqlConnection?[_options.WriterPartitions];
        _writer = new GroupCommitWriter<PendingWrite>(
            "postgres",
            _options.WriterPartitions,
            _options.QueueCapacity,
            _options.GroupCommit ? _options.MaxBatchSize : 1,
            ExecuteBatchAsync,
            _logger);
    }

    /// <summary>The schema that holds the tables.</summary>
    public string Schema => _options.Schema;

    /// <summary>How many transactions the writers committed and how many writes they carried.</summary>
    public GroupCommitStatistics WriterStatistics => _writer.Statistics;

    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Applies pending migrations (once; a failed attempt is retried on the next call).</summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return EnsureMigratedAsync(cancellationToken);
    }

    private Task EnsureMigratedAsync(CancellationToken cancellationToken)
    {
        var migration = Volatile.Read(ref _migration);
        if (migration is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }

        lock (_migrationLock)
        {
            if (_migration is null || _migration.IsFaulted || _migration.IsCanceled)
            {
                _migration = RunMigrationsAsync();
            }

            return _migration.WaitAsync(cancellationToken);
        }
    }

    internal Task<TResult> WriteAsync<TResult>(StorageWrite<TResult> write) => _writer.WriteAsync(write);

    /// <summary>A command on a pooled connection that opens on execution and closes with its reader.</summary>
    internal async ValueTask<NpgsqlCommand> CommandAsync(string sql, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        return _dataSource.CreateCommand(sql);
    }

    internal async ValueTask PingAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunMigrationsAsync()
    {
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await ExecuteAsync(connection, "SELECT pg_advisory_lock(hashtext($1))", "orleans-chat:migrations:" + _options.Schema).ConfigureAwait(false);
        try
        {
            // Only create the schema when it is missing, so a role without CREATE on the database can use an existing one.
            // The schema name is validated as a plain lower-case identifier by PostgresStorageOptions.
            await using (var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", connection))
            {
                exists.Parameters.Add(PostgresSql.Text(_options.Schema));
                if (await exists.ExecuteScalarAsync().ConfigureAwait(false) is not true)
                {
                    await ExecuteAsync(connection, $"CREATE SCHEMA IF NOT EXISTS \"{_options.Schema}\"").ConfigureAwait(false);
                }
            }

            await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())").ConfigureAwait(false);
            int current;
            await using (var command = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", connection))
            {
                current = Convert.ToInt32(await command.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            if (current > PostgresSchema.Migrations.Length)
            {
                throw new InvalidOperationException($"Schema '{_options.Schema}' is at version {current}, newer than this build knows ({PostgresSchema.Migrations.Length}).");
            }

            for (var version = current + 1; version <= PostgresSchema.Migrations.Length; version++)
            {
                await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
                await using (var migrate = new NpgsqlCommand(PostgresSchema.Migrations[version - 1], connection, transaction))
                {
                    await migrate.ExecuteNonQueryAsync().ConfigureAwait(false);
                }

                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version) VALUES ($1)", connection, transaction))
                {
                    record.Parameters.Add(PostgresSql.Integer(version));
                    await record.ExecuteNonQueryAsync().ConfigureAwait(false);
                }

                await transaction.CommitAsync().ConfigureAwait(false);
                LogMigrated(_logger, _options.Schema, version);
            }
        }
        finally
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock(hashtext($1))", "orleans-chat:migrations:" + _options.Schema).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, string? parameter = null)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.Add(PostgresSql.Text(parameter));
        }

        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>Each writer partition keeps one open connection; a broken one is replaced on the next batch.</summary>
    private async Task ExecuteBatchAsync(int partition, IReadOnlyList<PendingWrite> batch, CancellationToken cancellationToken)
    {
        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        var connection = _writerConnections[partition];
        if (connection is null || connection.FullState != System.Data.ConnectionState.Open)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            connection = _writerConnections[partition] = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await ExecuteBatchAsync(connection, batch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // After a failure the session may be in any state: start the next batch on a fresh connection, and keep this
            // one out of the pool.
            _writerConnections[partition] = null;
            NpgsqlConnection.ClearPool(connection);
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// One round trip: BEGIN, every write of the batch, COMMIT. The statements are written so that a conflict changes
    /// nothing and raises no error (conditional updates, ON CONFLICT DO NOTHING), so one loser never aborts the
    /// transaction of the others. What a loser needs for its answer (the stored ETag, the earlier entry of a retry) is
    /// read after the commit; nothing of a loser was written.
    /// </summary>
    private static async Task ExecuteBatchAsync(NpgsqlConnection connection, IReadOnlyList<PendingWrite> batch, CancellationToken cancellationToken)
    {
        await using var commands = new NpgsqlBatch(connection);
        commands.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));

        // Every command returns zero or one row per write, or the outcome rows of one round of appends.
        var singles = new List<PendingWrite>();
        var rounds = new List<AppendRound>();
        var staleStates = new List<GrainStateWrite>();
        foreach (var write in batch)
        {
            switch (write)
            {
                case LogAppend append:
                    AddToRound(rounds, append);
                    break;
                case LogRevise revise when LastRoundOf(rounds, revise.LogId) is { } round:
                    // The rounds run after the single writes: it goes right after the round of its log's last append
                    // queued before it, so it sees that append and runs before the next one.
                    round.Revises.Add(revise);
                    break;
                case GrainStateWrite state when state.ETag is not null && !long.TryParse(state.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out _):
                    staleStates.Add(state);
                    break;
                default:
                    commands.BatchCommands.Add(SingleCommand(write));
                    singles.Add(write);
                    break;
            }
        }

        foreach (var round in rounds)
        {
            commands.BatchCommands.Add(AppendCommand(round));
            foreach (var revise in round.Revises)
            {
                commands.BatchCommands.Add(ReviseCommand(revise));
            }
        }

        commands.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));

        var unresolvedAppends = new List<LogAppend>();
        try
        {
            await using var reader = await commands.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await SkipResultsWithoutRowsAsync(reader, cancellationToken).ConfigureAwait(false);
            foreach (var write in singles)
            {
                var row = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.GetValue(0) : null;
                if (ApplySingleResult(write, row) is { } stale)
                {
                    staleStates.Add(stale);
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                await SkipResultsWithoutRowsAsync(reader, cancellationToken).ConfigureAwait(false);
            }

            foreach (var round in rounds)
            {
                var inserted = new HashSet<(string, long)>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    inserted.Add((reader.GetString(0), reader.GetInt64(1)));
                }

                foreach (var append in round)
                {
                    if (inserted.Contains((append.Entry.LogId, append.Entry.Sequence)))
                    {
                        append.StageResult(append.Entry);
                    }
                    else
                    {
                        unresolvedAppends.Add(append);
                    }
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                await SkipResultsWithoutRowsAsync(reader, cancellationToken).ConfigureAwait(false);
                foreach (var revise in round.Revises)
                {
                    revise.StageResult(await reader.ReadAsync(cancellationToken).ConfigureAwait(false));
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                    await SkipResultsWithoutRowsAsync(reader, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            // Leave no failed transaction block behind on this session.
            await RollbackQuietlyAsync(connection).ConfigureAwait(false);
            throw;
        }

        if (unresolvedAppends.Count > 0)
        {
            await ResolveAppendConflictsAsync(connection, unresolvedAppends, cancellationToken).ConfigureAwait(false);
        }

        foreach (var stale in staleStates)
        {
            await using var command = new NpgsqlCommand(PostgresSql.CurrentStateVersion, connection);
            PostgresSql.AddStateKey(command.Parameters, stale.StateName, stale.GrainId);
            var stored = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            stale.StageFailure(StorageConflicts.GrainState(stale.StateName, stale.GrainId, stale.ETag, stored is long version ? version.ToString(CultureInfo.InvariantCulture) : null));
        }
    }

    /// <summary>BEGIN and COMMIT return no result set; whether the reader stops on them or not, step past them.</summary>
    private static async Task SkipResultsWithoutRowsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
        }
    }

    private static async Task RollbackQuietlyAsync(NpgsqlConnection connection)
    {
        try
        {
            if (connection.FullState == System.Data.ConnectionState.Open)
            {
                await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
                await rollback.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
        catch (NpgsqlException)
        {
            // The connection is discarded by the caller anyway.
        }
    }

    /// <summary>
    /// Puts the append in the first round that has no append to its log yet. So a statement holds at most one append per
    /// log (its check "sequence = the log's last + 1" sees every earlier append of the batch, made by earlier statements of
    /// the same transaction), and a log's appends run in the order they were queued: the n-th goes in the n-th round.
    /// </summary>
    private static void AddToRound(List<AppendRound> rounds, LogAppend append)
    {
        foreach (var round in rounds)
        {
            if (round.TryAdd(append))
            {
                return;
            }
        }

        var next = new AppendRound();
        next.TryAdd(append);
        rounds.Add(next);
    }

    /// <summary>The last round that holds an append to the log (a log's appends fill the first rounds), or null.</summary>
    private static AppendRound? LastRoundOf(List<AppendRound> rounds, string logId)
    {
        for (var i = rounds.Count - 1; i >= 0; i--)
        {
            if (rounds[i].Holds(logId))
            {
                return rounds[i];
            }
        }

        return null;
    }

    private sealed class AppendRound : List<LogAppend>
    {
        private readonly HashSet<string> _logs = new(StringComparer.Ordinal);

        /// <summary>Revisions that run right after this round's statement, in queue order.</summary>
        public List<LogRevise> Revises { get; } = [];

        public bool Holds(string logId) => _logs.Contains(logId);

        public bool TryAdd(LogAppend append)
        {
            if (!_logs.Add(append.Entry.LogId))
            {
                return false;
            }

            Add(append);
            return true;
        }
    }

    private static NpgsqlBatchCommand AppendCommand(AppendRound round)
    {
        var count = round.Count;
        var logs = new string[count];
        var sequences = new long[count];
        var ids = new string[count];
        var keys = new string?[count];
        var authors = new string[count];
        var timestamps = new long[count];
        var payloads = new string[count];
        var highPriorities = new bool[count];
        var counted = new bool[count];
        for (var i = 0; i < count; i++)
        {
            var entry = round[i].Entry;
            logs[i] = entry.LogId;
            sequences[i] = entry.Sequence;
            ids[i] = entry.EntryId;
            keys[i] = entry.IdempotencyKey;
            authors[i] = entry.AuthorId;
            timestamps[i] = entry.Timestamp.UtcTicks;
            payloads[i] = entry.Payload;
            highPriorities[i] = entry.HighPriority;
            counted[i] = entry.Counted;
        }

        var command = new NpgsqlBatchCommand(PostgresSql.AppendEntries);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = logs });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = sequences });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        command.Parameters.Add(new NpgsqlParameter { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = authors });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = timestamps });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = payloads });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = highPriorities });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = counted });
        return command;
    }

    private static NpgsqlBatchCommand ReviseCommand(LogRevise revise)
    {
        var command = new NpgsqlBatchCommand(PostgresSql.ReviseEntry);
        command.Parameters.Add(PostgresSql.Text(revise.LogId));
        command.Parameters.Add(PostgresSql.Bigint(revise.Sequence));
        command.Parameters.Add(PostgresSql.Text(revise.EntryId));
        command.Parameters.Add(PostgresSql.Text(revise.Payload));
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = revise.Counted });
        return command;
    }

    /// <summary>An append that inserted nothing is a retry (its idempotency key is stored: return that entry) or a sequence conflict (taken, or a gap).</summary>
    private static async Task ResolveAppendConflictsAsync(NpgsqlConnection connection, List<LogAppend> appends, CancellationToken cancellationToken)
    {
        var keyed = appends.Where(a => a.Entry.IdempotencyKey is not null).ToArray();
        var earlier = new Dictionary<(string, string), LogEntry>();
        if (keyed.Length > 0)
        {
            await using var command = new NpgsqlCommand(PostgresSql.FindEntriesByKeys, connection);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keyed.Select(a => a.Entry.LogId)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keyed.Select(a => a.Entry.IdempotencyKey!)] });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var entry = PostgresSql.ReadEntry(reader);
                earlier[(entry.LogId, entry.IdempotencyKey!)] = entry;
            }
        }

        var conflicts = new List<LogAppend>();
        foreach (var append in appends)
        {
            if (append.Entry.IdempotencyKey is { } key && earlier.TryGetValue((append.Entry.LogId, key), out var entry))
            {
                append.StageResult(entry);
            }
            else
            {
                conflicts.Add(append);
            }
        }

        if (conflicts.Count == 0)
        {
            return;
        }

        // A taken sequence or a gap: the error names the log's last sequence (read now, so it may include this batch's appends).
        var lastSequences = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(PostgresSql.LastSequences, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. conflicts.Select(a => a.Entry.LogId).Distinct(StringComparer.Ordinal)] });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                lastSequences[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        foreach (var append in conflicts)
        {
            append.StageFailure(StorageConflicts.Sequence(append.Entry, lastSequences.GetValueOrDefault(append.Entry.LogId)));
        }
    }

    private static NpgsqlBatchCommand SingleCommand(PendingWrite write)
    {
        NpgsqlBatchCommand command;
        switch (write)
        {
            case GrainStateWrite { ETag: null, Data: null } state:
                command = new NpgsqlBatchCommand(PostgresSql.CurrentStateVersion);
                PostgresSql.AddStateKey(command.Parameters, state.StateName, state.GrainId);
                break;
            case GrainStateWrite { ETag: null } state:
                command = new NpgsqlBatchCommand(PostgresSql.InsertState);
                PostgresSql.AddStateKey(command.Parameters, state.StateName, state.GrainId);
                command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = state.Data });
                break;
            case GrainStateWrite { Data: null } state:
                command = new NpgsqlBatchCommand(PostgresSql.ClearState);
                PostgresSql.AddStateKey(command.Parameters, state.StateName, state.GrainId);
                command.Parameters.Add(PostgresSql.Bigint(long.Parse(state.ETag!, NumberStyles.None, CultureInfo.InvariantCulture)));
                break;
            case GrainStateWrite state:
                command = new NpgsqlBatchCommand(PostgresSql.UpdateState);
                PostgresSql.AddStateKey(command.Parameters, state.StateName, state.GrainId);
                command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = state.Data });
                command.Parameters.Add(PostgresSql.Bigint(long.Parse(state.ETag!, NumberStyles.None, CultureInfo.InvariantCulture)));
                break;
            case LogRevise revise:
                command = ReviseCommand(revise);
                break;
            case RosterWrite roster:
                var rows = RosterRows.LastPerConversation(roster.Rows);
                command = new NpgsqlBatchCommand(PostgresSql.UpsertRoster);
                command.Parameters.Add(PostgresSql.Text(roster.UserId));
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.ConversationId)] });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Revision)] });
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Payload)] });
                break;
            default:
                throw new InvalidOperationException($"Unknown write {write.GetType().Name}.");
        }

        return command;
    }

    /// <summary>Stages the outcome of a single-row command; returns the state write when it lost and needs the stored ETag for its error.</summary>
    private static GrainStateWrite? ApplySingleResult(PendingWrite write, object? row)
    {
        switch (write)
        {
            case GrainStateWrite { ETag: null, Data: null } state:
                if (row is long current)
                {
                    state.StageFailure(StorageConflicts.GrainState(state.StateName, state.GrainId, null, current.ToString(CultureInfo.InvariantCulture)));
                }
                else
                {
                    state.StageResult(null);
                }

                return null;
            case GrainStateWrite state:
                if (row is long version)
                {
                    state.StageResult(state.Data is null ? null : version.ToString(CultureInfo.InvariantCulture));
                    return null;
                }

                return state;
            case RosterWrite roster:
                // A row with a lower revision than the stored one is skipped, not refused: nothing can conflict.
                roster.StageResult(true);
                return null;
            case LogRevise revise:
                // No row: no entry with that id at that sequence, and nothing was written.
                revise.StageResult(row is not null);
                return null;
            default:
                throw new InvalidOperationException($"Unknown write {write.GetType().Name}.");
        }
    }

    /// <summary>Stops taking writes, commits everything queued, then closes the pool.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        foreach (var connection in _writerConnections)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "PostgreSQL schema {Schema} migrated to version {Version}")]
    private static partial void LogMigrated(ILogger logger, string schema, int version);
}
