using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence.Sqlite;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>What only the SQLite store promises: durability across reopening, group commit, WAL, the schema version.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "orleans-chat-tests", TestData.NewKey());

    private string DatabasePath => Path.Combine(_directory, "nested", "chat.db");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private ServiceProvider Open(Action<SqliteStorageOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTestJsonResolver();
        services.AddSqliteStorage(options =>
        {
            options.Path = DatabasePath;
            configure?.Invoke(options);
        });
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static IGrainStorage GrainStorage(IServiceProvider services) =>
        services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);

    [Fact]
    public async Task Reopen_AfterDispose_AcknowledgedWritesAreThere()
    {
        var logId = TestData.NewKey();
        var grainId = GrainId.Create("user", TestData.NewKey());
        var startAt = new DateTime(2026, 11, 21, 9, 0, 0, DateTimeKind.Utc).AddTicks(3);
        string? stateETag;
        string? reminderETag;
        await using (var services = Open())
        {
            var log = services.GetRequiredService<IMessageLog>();
            await Task.WhenAll(Enumerable.Range(1, 500).Select(i =>
                log.AppendAsync(new LogEntry(logId, i, $"m{i}", $"k{i}", "alice", DateTimeOffset.UnixEpoch.AddSeconds(i), $"payload {i}")).AsTask()));
            var state = new GrainState<TestState>(new TestState("durable", 1, []));
            await GrainStorage(services).WriteStateAsync("s", grainId, state);
            stateETag = state.ETag;
            reminderETag = await services.GetRequiredService<IReminderTable>().UpsertRow(
                new ReminderEntry { GrainId = grainId, ReminderName = "r", StartAt = startAt, Period = TimeSpan.FromMinutes(1) });
        }

        await using (var services = Open())
        {
            var log = services.GetRequiredService<IMessageLog>();
            var entries = await log.ReadAsync(logId, 0, LogDirection.Forward, 1000);
            Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), entries.Select(e => e.Sequence));
            Assert.Equal("payload 250", entries[249].Payload);
            var state = new GrainState<TestState>(new TestState());
            await GrainStorage(services).ReadStateAsync("s", grainId, state);
            Assert.Equal("durable", state.State?.Name);
            Assert.Equal(stateETag, state.ETag);
            var reminder = await services.GetRequiredService<IReminderTable>().ReadRow(grainId, "r");
            Assert.Equal(reminderETag, reminder?.ETag);
            Assert.Equal(startAt, reminder?.StartAt);
            var inRange = await services.GetRequiredService<IReminderTable>().ReadRows(unchecked(grainId.GetUniformHashCode() - 1), grainId.GetUniformHashCode());
            Assert.Contains(inRange.Reminders, row => row.GrainId == grainId && row.ReminderName == "r");
        }
    }

    [Fact]
    public async Task DisposeAsync_WithWritesStillQueued_CommitsThemBeforeClosing()
    {
        var logId = TestData.NewKey();
        Task[] appends;
        await using (var services = Open())
        {
            var log = services.GetRequiredService<IMessageLog>();
            appends = [.. Enumerable.Range(1, 2_000).Select(i => log.AppendAsync(new LogEntry(logId, i, $"m{i}", null, "a", DateTimeOffset.UnixEpoch, "p")).AsTask())];
        }

        await Task.WhenAll(appends);
        await using var reopened = Open();
        Assert.Equal(2_000, await reopened.GetRequiredService<IMessageLog>().GetLastSequenceAsync(logId));
    }

    [Fact]
    public async Task AppendAsync_1000ConcurrentAppends_ShareFarFewerCommits()
    {
        await using var services = Open();
        var store = services.GetRequiredService<SqliteStore>();
        var log = services.GetRequiredService<IMessageLog>();
        var before = store.WriterStatistics;

        // 1,000 callers waiting at once (each call returns as soon as its write is queued).
        await Task.WhenAll(Enumerable.Range(1, 1_000).Select(i =>
            log.AppendAsync(new LogEntry(TestData.NewKey(), 1, $"m{i}", $"k{i}", "alice", DateTimeOffset.UnixEpoch, "hello")).AsTask()));

        var after = store.WriterStatistics;
        Assert.Equal(1_000, after.Writes - before.Writes);
        Assert.True(after.Commits - before.Commits <= 100, $"1,000 concurrent appends took {after.Commits - before.Commits} commits.");
        Assert.True(after.LargestBatch > 1);
    }

    [Fact]
    public async Task RosterWriteAsync_AmongConcurrentAppends_SharesTheirCommits()
    {
        await using var services = Open();
        var store = services.GetRequiredService<SqliteStore>();
        var roster = services.GetRequiredService<IRosterStore>();
        var log = services.GetRequiredService<IMessageLog>();
        var before = store.WriterStatistics;

        await Task.WhenAll(Enumerable.Range(1, 500).SelectMany(i => new[]
        {
            roster.WriteAsync($"user-{i}", [new RosterRow("c", 1, $"p{i}")]).AsTask(),
            log.AppendAsync(new LogEntry(TestData.NewKey(), 1, $"m{i}", null, "alice", DateTimeOffset.UnixEpoch, "hello")).AsTask(),
        }));

        var after = store.WriterStatistics;
        Assert.Equal(1_000, after.Writes - before.Writes);
        Assert.True(after.Commits - before.Commits <= 100, $"1,000 concurrent writes took {after.Commits - before.Commits} commits.");
        Assert.Equal([new RosterRow("c", 1, "p250")], await roster.ReadAsync("user-250"));
    }

    [Fact]
    public async Task RosterWriteAsync_ARowTheStoreRefuses_WritesNoneOfThatWriteAndFailsOnlyIt()
    {
        await using var services = Open();
        var roster = services.GetRequiredService<IRosterStore>();
        var userId = TestData.NewKey();
        var otherUserId = TestData.NewKey();

        // Queued together, so that they share a batch. The null payload fails its statement after the first row's.
        var refused = roster.WriteAsync(userId, [new RosterRow("a", 1, "fine"), new RosterRow("b", 1, null!)]).AsTask();
        var accepted = roster.WriteAsync(otherUserId, [new RosterRow("a", 1, "fine")]).AsTask();

        await Assert.ThrowsAsync<InvalidOperationException>(() => refused);
        await accepted;
        Assert.Empty(await roster.ReadAsync(userId));
        Assert.Equal([new RosterRow("a", 1, "fine")], await roster.ReadAsync(otherUserId));
    }

    [Fact]
    public async Task AppendAsync_GroupCommitOff_CommitsEveryWriteAlone()
    {
        await using var services = Open(options => options.GroupCommit = false);
        var store = services.GetRequiredService<SqliteStore>();
        var log = services.GetRequiredService<IMessageLog>();

        await Task.WhenAll(Enumerable.Range(1, 100).Select(i =>
            log.AppendAsync(new LogEntry(TestData.NewKey(), 1, $"m{i}", null, "alice", DateTimeOffset.UnixEpoch, "hello")).AsTask()));

        var statistics = store.WriterStatistics;
        Assert.Equal((100L, 100L, 1), (statistics.Commits, statistics.Writes, statistics.LargestBatch));
    }

    [Fact]
    public async Task Open_NewFile_CreatesDirectoryWalModeAndSchemaVersion()
    {
        await using (var services = Open())
        {
            var store = services.GetRequiredService<SqliteStore>();
            Assert.Equal(Path.GetFullPath(DatabasePath), store.FilePath);
            Assert.True(File.Exists(DatabasePath));
        }

        await using (var services = Open())
        {
            // Opening again finds the schema current and migrates nothing.
            services.GetRequiredService<SqliteStore>();
        }

        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "PRAGMA user_version";
        Assert.Equal((long)SqliteSchema.Migrations.Length, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Open_FileAlreadyOpenByAnotherStore_ThrowsAndTheFirstKeepsWorking()
    {
        await using var first = new SqliteStore(Options.Create(new SqliteStorageOptions { Path = DatabasePath }));

        var exception = Assert.Throws<InvalidOperationException>(() => new SqliteStore(Options.Create(new SqliteStorageOptions { Path = DatabasePath })));
        Assert.Contains("already open", exception.Message, StringComparison.Ordinal);

        var log = new SqliteMessageLog(first);
        var entry = new LogEntry(TestData.NewKey(), 1, "m", null, "a", DateTimeOffset.UnixEpoch, "p");
        Assert.Equal(entry, await log.AppendAsync(entry));
        await first.DisposeAsync();
        await using var reopened = new SqliteStore(Options.Create(new SqliteStorageOptions { Path = DatabasePath }));
        Assert.Equal(1, await new SqliteMessageLog(reopened).GetLastSequenceAsync(entry.LogId));
    }

    [Fact]
    public async Task Open_SchemaNewerThanBuild_Throws()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 999";
            await command.ExecuteNonQueryAsync();
        }

        Assert.Throws<InvalidOperationException>(() => new SqliteStore(Options.Create(new SqliteStorageOptions { Path = DatabasePath }), NullLogger<SqliteStore>.Instance));
    }

    [Fact]
    public async Task WriteAsync_AfterDispose_ThrowsObjectDisposed()
    {
        var services = Open();
        var log = services.GetRequiredService<IMessageLog>();
        await log.AppendAsync(new LogEntry(TestData.NewKey(), 1, "m", null, "a", DateTimeOffset.UnixEpoch, "p"));
        await services.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() =>
            log.AppendAsync(new LogEntry(TestData.NewKey(), 1, "m", null, "a", DateTimeOffset.UnixEpoch, "p")).AsTask());
    }

    [Fact]
    public async Task ReadAsync_WhileAppendsAndCheckpointsRun_SeesEveryAcknowledgedEntryOnce()
    {
        await using var services = Open(options =>
        {
            options.JournalCheckpointRows = 5;
            options.JournalCheckpointChunk = 3;
        });
        var log = services.GetRequiredService<IMessageLog>();
        var logId = TestData.NewKey();
        long acknowledged = 0;
        var appender = Task.Run(async () =>
        {
            for (var sequence = 1; sequence <= 1_500; sequence++)
            {
                await log.AppendAsync(new LogEntry(logId, sequence, $"m{sequence}", $"k{sequence}", sequence % 2 == 0 ? "bob" : "alice", DateTimeOffset.UnixEpoch, "p", sequence % 5 == 0));
                Volatile.Write(ref acknowledged, sequence);
            }
        });

        var reads = 0;
        while (!appender.IsCompleted || reads == 0)
        {
            var before = Volatile.Read(ref acknowledged);
            var entries = await log.ReadAsync(logId, 0, LogDirection.Forward, 10_000);
            var count = await log.CountAsync(logId, 0, long.MaxValue, null);
            var last = await log.GetLastSequenceAsync(logId);
            var backward = await log.ReadAsync(logId, long.MaxValue, LogDirection.Backward, 7);
            var after = Volatile.Read(ref acknowledged);

            Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
            Assert.All(entries, e => Assert.Equal(e.Sequence % 5 == 0, e.HighPriority));
            Assert.InRange(entries.Count, before, after + 1);
            Assert.InRange(count.Entries, entries.Count, after + 1);
            Assert.InRange(count.HighPriority, entries.Count(e => e.HighPriority), (after + 1) / 5);
            Assert.InRange(last, count.Entries, after + 1);
            Assert.Equal(backward.Select(e => e.Sequence).Distinct().Count(), backward.Count);
            Assert.True(backward.Zip(backward.Skip(1)).All(pair => pair.First.Sequence == pair.Second.Sequence + 1));
            reads++;
        }

        await appender;
        Assert.Equal(new LogCount(750, 150), await log.CountAsync(logId, 0, long.MaxValue, ["alice"]));

        // At most the threshold: the checkpoint after the last batch may still be running when its append is acknowledged.
        Assert.InRange(services.GetRequiredService<SqliteStore>().JournalCount, 0, 5);

        // Checkpoints trim the journal table as they go: it does not keep the 1,500 rows.
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM message_journal";
        Assert.InRange((long)(await command.ExecuteScalarAsync())!, 0, 50);
    }

    [Fact]
    public async Task Open_JournalLeftByAKilledProcess_MovesItIntoTheLog()
    {
        var logId = TestData.NewKey();
        await using (var services = Open())
        {
            await services.GetRequiredService<IMessageLog>().AppendAsync(new LogEntry(logId, 1, "m1", "k1", "a", DateTimeOffset.UnixEpoch, "checkpointed"));
        }

        // What a killed process leaves: rows committed to the journal that no checkpoint moved yet.
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO message_journal (log_id, seq, entry_id, idempotency_key, author_id, timestamp_ticks, payload)
                VALUES ($log, 2, 'm2', 'k2', 'b', 0, 'journal 2'), ($log, 3, 'm3', NULL, 'b', 0, 'journal 3')
                """;
            command.Parameters.AddWithValue("$log", logId);
            await command.ExecuteNonQueryAsync();
        }

        await using (var services = Open())
        {
            var log = services.GetRequiredService<IMessageLog>();
            Assert.Equal(["checkpointed", "journal 2", "journal 3"], (await log.ReadAsync(logId, 0, LogDirection.Forward, 10)).Select(e => e.Payload));
            Assert.Equal(0, services.GetRequiredService<SqliteStore>().JournalCount);
            Assert.Equal(2, (await log.FindByIdempotencyKeyAsync(logId, "k2"))?.Sequence);
        }

        await using var check = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await check.OpenAsync();
        await using var count = check.CreateCommand();
        count.CommandText = "SELECT (SELECT COUNT(*) FROM message_journal), (SELECT COUNT(*) FROM message_log)";
        await using var reader = await count.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((0L, 3L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task Checkpoint_HighPriorityEntries_KeepTheirFlagInTheJournalInMessageLogAndAcrossBoth()
    {
        var logId = TestData.NewKey();
        var entries = Enumerable.Range(1, 6)
            .Select(i => new LogEntry(logId, i, $"m{i}", $"k{i}", i == 4 ? "bob" : "alice", DateTimeOffset.UnixEpoch, "p", i % 2 == 0))
            .ToArray();
        await using (var services = Open())
        {
            var log = services.GetRequiredService<IMessageLog>();
            var store = services.GetRequiredService<SqliteStore>();

            // Still in the journal (far below the checkpoint threshold), then moved into message_log, then some of each.
            foreach (var entry in entries[..3])
            {
                await log.AppendAsync(entry);
            }

            Assert.Equal(3, store.JournalCount);
            await AssertFlagsAsync(log, entries[..3]);

            // Every append is answered, so the writer is idle and the test may run its checkpoint.
            store.Checkpoint(int.MaxValue);
            Assert.Equal(0, store.JournalCount);
            await AssertFlagsAsync(log, entries[..3]);
            foreach (var entry in entries[3..])
            {
                await log.AppendAsync(entry);
            }

            Assert.Equal(3, store.JournalCount);
            await AssertFlagsAsync(log, entries);
        }

        // Closing moves the whole journal.
        await using var reopened = Open();
        await AssertFlagsAsync(reopened.GetRequiredService<IMessageLog>(), entries);

        static async Task AssertFlagsAsync(IMessageLog log, LogEntry[] expected)
        {
            var logId = expected[0].LogId;
            Assert.Equal(expected, await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
            Assert.Equal(expected.Reverse(), await log.ReadAsync(logId, long.MaxValue, LogDirection.Backward, 10));
            foreach (var entry in expected)
            {
                Assert.Equal(entry, await log.FindByIdAsync(logId, entry.EntryId));
                Assert.Equal(entry, await log.FindByIdempotencyKeyAsync(logId, entry.IdempotencyKey!));
            }

            var high = expected.Count(e => e.HighPriority);
            var highByBob = expected.Count(e => e.HighPriority && e.AuthorId == "bob");
            Assert.Equal(new LogCount(expected.Length, high), await log.CountAsync(logId, 0, long.MaxValue, null));
            Assert.Equal(new LogCount(expected.Length - expected.Count(e => e.AuthorId == "bob"), high - highByBob), await log.CountAsync(logId, 0, long.MaxValue, ["bob"]));
            Assert.Equal(new LogCount(1, 1), await log.CountAsync(logId, 1, 2, null));
        }
    }

    [Fact]
    public async Task Checkpoint_QuietLogBehindBusyOnes_IsMovedSoTheJournalCanBeTrimmed()
    {
        await using var services = Open(options =>
        {
            options.JournalCheckpointRows = 10;
            options.JournalCheckpointChunk = 10;
        });
        var log = services.GetRequiredService<IMessageLog>();
        var quiet = TestData.NewKey();
        await log.AppendAsync(new LogEntry(quiet, 1, "q1", "q1", "a", DateTimeOffset.UnixEpoch, "quiet"));
        var busy = Enumerable.Range(0, 5).Select(_ => TestData.NewKey()).ToArray();
        for (var sequence = 1; sequence <= 40; sequence++)
        {
            await Task.WhenAll(busy.Select(logId => log.AppendAsync(new LogEntry(logId, sequence, $"m{sequence}", null, "a", DateTimeOffset.UnixEpoch, "busy")).AsTask()));
        }

        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM message_journal WHERE log_id = $log";
        command.Parameters.AddWithValue("$log", quiet);
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        Assert.Equal("quiet", (await log.FindByIdempotencyKeyAsync(quiet, "q1"))?.Payload);
    }

    [Fact]
    public async Task AppendAsync_RetryOfAnEntryAlreadyCheckpointed_ReturnsTheStoredEntry()
    {
        await using var services = Open(options => options.JournalCheckpointRows = 1);
        var log = services.GetRequiredService<IMessageLog>();
        var store = services.GetRequiredService<SqliteStore>();
        var logId = TestData.NewKey();
        var first = await log.AppendAsync(new LogEntry(logId, 1, "m1", "k1", "a", DateTimeOffset.UnixEpoch, "first"));
        await log.AppendAsync(new LogEntry(logId, 2, "m2", "k2", "a", DateTimeOffset.UnixEpoch, "second"));
        Assert.True(store.JournalCount <= 1);

        Assert.Equal(first, await log.AppendAsync(new LogEntry(logId, 3, "m3", "k1", "a", DateTimeOffset.UnixEpoch, "retry")));
        await Assert.ThrowsAsync<InconsistentStateException>(() => log.AppendAsync(new LogEntry(logId, 1, "m4", "k4", "a", DateTimeOffset.UnixEpoch, "taken")).AsTask());
    }

    [Fact]
    public async Task HostStop_ServiceStoppingAfterTheStoreWrites_WriteIsCommitted()
    {
        var logId = TestData.NewKey();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddTestJsonResolver();

        // Registered first, so it stops last, like a silo that deactivates its grains on the way down.
        builder.Services.AddHostedService(sp => new WriteOnStop(sp.GetRequiredService<IMessageLog>(), logId));
        builder.Services.AddSqliteStorage(options => options.Path = DatabasePath);
        using (var host = builder.Build())
        {
            await host.StartAsync();
            await host.StopAsync();
        }

        await using var services = Open();
        Assert.Equal(1, await services.GetRequiredService<IMessageLog>().GetLastSequenceAsync(logId));
    }

    [Fact]
    public async Task WriteStateAsync_State_IsStoredAsReadableJsonUnderTheGrainTypeAndKey()
    {
        var grainId = GrainId.Create("user", "ada/" + TestData.NewKey());
        await using (var services = Open())
        {
            await GrainStorage(services).WriteStateAsync("profile", grainId, new GrainState<TestState>(new TestState("Ada", 2, ["x"])));
        }

        // JsonGrainStateSerializer: System.Text.Json with the web defaults (camelCase), one row per state name, grain type and key.
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, CAST(data AS TEXT) FROM grain_state WHERE state_name = 'profile' AND grain_type = 'user' AND grain_key = $key";
        command.Parameters.AddWithValue("$key", grainId.Key.ToString());
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(1L, reader.GetInt64(0));
        Assert.Equal("""{"name":"Ada","count":2,"tags":["x"]}""", reader.GetString(1));
    }

    [Fact]
    public async Task Open_SchemaVersion2_ReplacesTheOldRemindersTableAndKeepsTheRest()
    {
        // A file written by the hand-written runtime: schema version 2, its reminders table without grain hashes.
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        var logId = TestData.NewKey();
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = string.Join(";\n", SqliteSchema.Migrations[..2]) + """
                ;
                INSERT INTO reminders (grain_type, grain_key, reminder_name, start_at_ticks, period_ticks, etag) VALUES ('room', 'r1', 'old', 0, 600000000, 'e1');
                INSERT INTO grain_state (state_name, grain_type, grain_key, version, data) VALUES ('s', 'user', 'kept', 4, CAST('{"name":"kept","count":4,"tags":[]}' AS BLOB));
                INSERT INTO message_log (log_id, seq, entry_id, idempotency_key, author_id, timestamp_ticks, payload) VALUES ($log, 1, 'm1', 'k1', 'a', 0, 'kept');
                PRAGMA user_version = 2;
                """;
            command.Parameters.AddWithValue("$log", logId);
            await command.ExecuteNonQueryAsync();
        }

        await using (var services = Open())
        {
            var reminders = services.GetRequiredService<IReminderTable>();
            Assert.Empty((await reminders.ReadRows(0, 0)).Reminders);
            var grainId = GrainId.Create("room", "r1");
            var eTag = await reminders.UpsertRow(new ReminderEntry { GrainId = grainId, ReminderName = "new", StartAt = DateTime.UnixEpoch, Period = TimeSpan.FromMinutes(1) });
            Assert.Equal(eTag, (await reminders.ReadRow(grainId, "new"))?.ETag);

            var state = new GrainState<TestState>(new TestState());
            await GrainStorage(services).ReadStateAsync("s", GrainId.Create("user", "kept"), state);
            Assert.Equal(("kept", "4"), (state.State?.Name, state.ETag));
            Assert.Equal("kept", (await services.GetRequiredService<IMessageLog>().FindByIdempotencyKeyAsync(logId, "k1"))?.Payload);
        }

        await using var check = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
        await check.OpenAsync();
        await using var version = check.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        Assert.Equal((long)SqliteSchema.Migrations.Length, (long)(await version.ExecuteScalarAsync())!);
        version.CommandText = "SELECT COUNT(*) FROM pragma_table_info('reminders') WHERE name = 'grain_hash'";
        Assert.Equal(1L, (long)(await version.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Open_SchemaVersion4_AddsTheHighPriorityFlagAndReadsOlderEntriesAsNotHighPriority()
    {
        // A file written before entries had the flag: schema version 4, an entry in message_log and one left in the
        // journal by a killed process.
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        var logId = TestData.NewKey();
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = string.Join(";\n", SqliteSchema.Migrations[..4]) + """
                ;
                INSERT INTO message_log (log_id, seq, entry_id, idempotency_key, author_id, timestamp_ticks, payload) VALUES ($log, 1, 'm1', 'k1', 'a', 0, 'in the log');
                INSERT INTO message_journal (log_id, seq, entry_id, idempotency_key, author_id, timestamp_ticks, payload) VALUES ($log, 2, 'm2', 'k2', 'a', 0, 'in the journal');
                PRAGMA user_version = 4;
                """;
            command.Parameters.AddWithValue("$log", logId);
            await command.ExecuteNonQueryAsync();
        }

        await using (var services = Open())
        {
            var log = services.GetRequiredService<IMessageLog>();
            var written = new DateTimeOffset(0, TimeSpan.Zero);
            Assert.Equal(
                [new LogEntry(logId, 1, "m1", "k1", "a", written, "in the log"), new LogEntry(logId, 2, "m2", "k2", "a", written, "in the journal")],
                await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
            Assert.Equal(new LogCount(2, 0), await log.CountAsync(logId, 0, long.MaxValue, null));

            var high = new LogEntry(logId, 3, "m3", "k3", "b", DateTimeOffset.UnixEpoch, "new", HighPriority: true);
            Assert.Equal(high, await log.AppendAsync(high));
            Assert.Equal(high, await log.FindByIdempotencyKeyAsync(logId, "k3"));
            Assert.Equal(new LogCount(3, 1), await log.CountAsync(logId, 0, long.MaxValue, null));
        }

        await using var check = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
        await check.OpenAsync();
        await using var version = check.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        Assert.Equal((long)SqliteSchema.Migrations.Length, (long)(await version.ExecuteScalarAsync())!);
        version.CommandText = "SELECT seq, high_priority FROM message_log WHERE log_id = $log ORDER BY seq";
        version.Parameters.AddWithValue("$log", logId);
        await using var reader = await version.ExecuteReaderAsync();
        var rows = new List<(long, long)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        Assert.Equal([(1L, 0L), (2L, 0L), (3L, 1L)], rows);
    }

    [Fact]
    public async Task ReviseAsync_EntriesInMessageLogInTheJournalAndInBoth_RevisedEverywhereAndAfterReopening()
    {
        var (a, b) = (TestData.NewKey(), TestData.NewKey());
        LogEntry Entry(string logId, long sequence) => new(logId, sequence, $"m{sequence}", $"k{sequence}", "alice", DateTimeOffset.UnixEpoch, $"original {sequence}");
        LogEntry[] entries = [Entry(a, 1), Entry(b, 1), Entry(a, 2), Entry(b, 2)];
        LogEntry[] revised = [.. entries.Select(e => e with { Payload = "recalled", Counted = false })];
        await using (var services = Open())
        {
            var log = services.GetRequiredService<IMessageLog>();
            var store = services.GetRequiredService<SqliteStore>();
            foreach (var entry in entries)
            {
                await log.AppendAsync(entry);
            }

            // Log a holds the oldest row, so a checkpoint of two entries moves a (both rows) and trims the journal below
            // b's first row: a1 is in message_log only, a2 in message_log and still in the journal table, b1 and b2 in
            // the journal only. Every append is answered, so the writer is idle and the test may run its checkpoint.
            store.Checkpoint(2);
            Assert.Equal(2, store.JournalCount);
            Assert.Equal([2L], await JournalRowsAsync(a));

            foreach (var entry in entries[..3])
            {
                Assert.True(await log.ReviseAsync(entry.LogId, entry.Sequence, entry.EntryId, "recalled", counted: false));
            }

            await AssertLogsAsync(log, [.. revised[..3], entries[3]]);
            Assert.Empty(await PayloadsAsync("original 1"));
            Assert.Empty(await PayloadsAsync("original 2", a));
            Assert.Equal(["message_journal"], await PayloadsAsync("original 2", b));

            // The journal's rows of b move after the revision, with it.
            store.Checkpoint(int.MaxValue);
            Assert.True(await log.ReviseAsync(b, 2, "m2", "recalled", counted: false));
            await AssertLogsAsync(log, revised);
        }

        // Closing moves the whole journal (a2's copy included) and the revisions stay.
        await using (var reopened = Open())
        {
            await AssertLogsAsync(reopened.GetRequiredService<IMessageLog>(), revised);
        }

        Assert.Empty(await PayloadsAsync("original"));

        static async Task AssertLogsAsync(IMessageLog log, LogEntry[] expected)
        {
            foreach (var logId in expected.Select(e => e.LogId).Distinct())
            {
                var ofLog = expected.Where(e => e.LogId == logId).ToArray();
                Assert.Equal(ofLog, await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
                Assert.Equal(ofLog.Reverse(), await log.ReadAsync(logId, long.MaxValue, LogDirection.Backward, 10));
                Assert.Equal(new LogCount(ofLog.Count(e => e.Counted), 0), await log.CountAsync(logId, 0, long.MaxValue, null));
                foreach (var entry in ofLog)
                {
                    Assert.Equal(entry, await log.FindByIdAsync(logId, entry.EntryId));
                    Assert.Equal(entry, await log.FindByIdempotencyKeyAsync(logId, entry.IdempotencyKey!));
                }
            }
        }

        async Task<List<long>> JournalRowsAsync(string logId)
        {
            await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT seq FROM message_journal WHERE log_id = $log ORDER BY seq";
            command.Parameters.AddWithValue("$log", logId);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<long>();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetInt64(0));
            }

            return rows;
        }

        // The tables that still hold a payload starting with this text (of one log, or of any).
        async Task<List<string>> PayloadsAsync(string prefix, string? logId = null)
        {
            await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT 'message_log' FROM message_log WHERE payload LIKE $prefix || '%' AND ($log IS NULL OR log_id = $log)
                UNION ALL
                SELECT 'message_journal' FROM message_journal WHERE payload LIKE $prefix || '%' AND ($log IS NULL OR log_id = $log)
                """;
            command.Parameters.AddWithValue("$prefix", prefix);
            command.Parameters.AddWithValue("$log", (object?)logId ?? DBNull.Value);
            await using var reader = await command.ExecuteReaderAsync();
            var tables = new List<string>();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }

            return tables;
        }
    }

    [Fact]
    public async Task Open_SchemaVersion5_AddsTheCountedFlagAndCountsOlderEntries()
    {
        // A file written before entries had the flag: schema version 5, an entry in message_log and one left in the
        // journal by a killed process.
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        var logId = TestData.NewKey();
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = string.Join(";\n", SqliteSchema.Migrations[..5]) + """
                ;
                INSERT INTO message_log (log_id, seq, entry_id, idempotency_key, author_id, timestamp_ticks, payload, high_priority) VALUES ($log, 1, 'm1', 'k1', 'a', 0, 'in the log', 1);
                INSERT INTO message_journal (log_id, seq, entry_id, idempotency_key, author_id, timestamp_ticks, payload, high_priority) VALUES ($log, 2, 'm2', 'k2', 'a', 0, 'in the journal', 0);
                PRAGMA user_version = 5;
                """;
            command.Parameters.AddWithValue("$log", logId);
            await command.ExecuteNonQueryAsync();
        }

        await using (var services = Open())
        {
            var log = services.GetRequiredService<IMessageLog>();
            var written = new DateTimeOffset(0, TimeSpan.Zero);
            var first = new LogEntry(logId, 1, "m1", "k1", "a", written, "in the log", HighPriority: true);
            var second = new LogEntry(logId, 2, "m2", "k2", "a", written, "in the journal");
            Assert.Equal([first, second], await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
            Assert.Equal(new LogCount(2, 1), await log.CountAsync(logId, 0, long.MaxValue, null));

            Assert.True(await log.ReviseAsync(logId, 1, "m1", "recalled", counted: false));
            Assert.Equal(first with { Payload = "recalled", Counted = false }, await log.FindByIdempotencyKeyAsync(logId, "k1"));
            Assert.Equal(new LogCount(1, 0), await log.CountAsync(logId, 0, long.MaxValue, null));
        }

        await using var check = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
        await check.OpenAsync();
        await using var version = check.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        Assert.Equal((long)SqliteSchema.Migrations.Length, (long)(await version.ExecuteScalarAsync())!);
        version.CommandText = "SELECT COUNT(*) FROM pragma_table_info('message_journal') WHERE name = 'counted'";
        Assert.Equal(1L, (long)(await version.ExecuteScalarAsync())!);
        version.CommandText = "SELECT seq, counted FROM message_log WHERE log_id = $log ORDER BY seq";
        version.Parameters.AddWithValue("$log", logId);
        await using var reader = await version.ExecuteReaderAsync();
        var rows = new List<(long, long)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        Assert.Equal([(1L, 0L), (2L, 1L)], rows);
    }

    private sealed class WriteOnStop(IMessageLog log, string logId) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) =>
            await log.AppendAsync(new LogEntry(logId, 1, "last", null, "a", DateTimeOffset.UnixEpoch, "written while stopping"), cancellationToken);
    }
}
