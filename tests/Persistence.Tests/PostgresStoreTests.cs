using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Chat.Persistence.Postgres;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>What only the PostgreSQL store promises: migrations under an advisory lock, group commit, durability across reopening.</summary>
public sealed class PostgresStoreTests : IAsyncLifetime
{
    private readonly List<string> _schemas = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var schema in _schemas)
        {
            await PostgresTestDatabase.DropSchemaAsync(schema);
        }
    }

    private string NewSchema()
    {
        var schema = PostgresTestDatabase.NewSchema();
        _schemas.Add(schema);
        return schema;
    }

    private static PostgresStore NewStore(string schema, Action<PostgresStorageOptions>? configure = null)
    {
        var options = new PostgresStorageOptions { ConnectionString = PostgresTestDatabase.ConnectionString, Schema = schema };
        configure?.Invoke(options);
        return new PostgresStore(Options.Create(options), NullLogger<PostgresStore>.Instance);
    }

    private static ServiceProvider Open(string schema, Action<PostgresStorageOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTestJsonResolver();
        services.AddPostgresStorage(options =>
        {
            options.ConnectionString = PostgresTestDatabase.ConnectionString;
            options.Schema = schema;
            configure?.Invoke(options);
        });

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static IGrainStorage GrainStorage(IServiceProvider services) =>
        services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);

    private static async Task<List<(int Version, int Count)>> MigrationRowsAsync(string schema)
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString);
        await using var command = dataSource.CreateCommand($"SELECT version, COUNT(*)::int FROM \"{schema}\".schema_migrations GROUP BY version ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(int, int)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetInt32(1)));
        }

        return rows;
    }

    [Fact]
    public async Task MigrateAsync_SeveralProcessesStartAtOnceOnAnEmptySchema_EachMigrationAppliedOnce()
    {
        var schema = NewSchema();
        var stores = Enumerable.Range(0, 6).Select(_ => NewStore(schema)).ToArray();
        try
        {
            // Separate stores have separate pools, as separate processes would; only the advisory lock keeps them apart.
            using var start = new Barrier(stores.Length);
            await Task.WhenAll(stores.Select(store => Task.Run(async () =>
            {
                start.SignalAndWait();
                await store.MigrateAsync();
            })));

            Assert.Equal(Enumerable.Range(1, PostgresSchema.Migrations.Length).Select(v => (v, 1)), await MigrationRowsAsync(schema));
            var log = new ServiceCollection().AddSingleton(stores[0]).AddSingleton<IMessageLog, PostgresMessageLog>().BuildServiceProvider().GetRequiredService<IMessageLog>();
            var entry = new LogEntry("log", 1, "e", "k", "a", DateTimeOffset.UnixEpoch, "p");
            Assert.Equal(entry, await log.AppendAsync(entry));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MigrateAsync_SchemaAlreadyCurrent_AppliesNothing()
    {
        var schema = NewSchema();
        await using (var first = NewStore(schema))
        {
            await first.MigrateAsync();
        }

        await using var second = NewStore(schema);
        await second.MigrateAsync();

        Assert.Equal(Enumerable.Range(1, PostgresSchema.Migrations.Length).Select(v => (v, 1)), await MigrationRowsAsync(schema));
    }

    [Fact]
    public async Task MigrateAsync_SchemaNewerThanBuild_Throws()
    {
        var schema = NewSchema();
        await using (var first = NewStore(schema))
        {
            await first.MigrateAsync();
        }

        await using (var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString))
        await using (var command = dataSource.CreateCommand($"INSERT INTO \"{schema}\".schema_migrations (version) VALUES (999)"))
        {
            await command.ExecuteNonQueryAsync();
        }

        await using var second = NewStore(schema);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second.MigrateAsync());
    }

    [Fact]
    public async Task MigrateAsync_SchemaVersion4_AddsTheHighPriorityFlagAndReadsOlderEntriesAsNotHighPriority()
    {
        // A schema written before entries had the flag: migrations 1 to 4, and an entry.
        var schema = NewSchema();
        var logId = TestData.NewKey();
        await using (var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString))
        await using (var command = dataSource.CreateCommand($"CREATE SCHEMA \"{schema}\""))
        {
            await command.ExecuteNonQueryAsync();
        }

        var inSchema = new NpgsqlConnectionStringBuilder(PostgresTestDatabase.ConnectionString) { SearchPath = schema }.ConnectionString;
        await using (var dataSource = NpgsqlDataSource.Create(inSchema))
        {
            await using (var command = dataSource.CreateCommand(string.Join("\n", PostgresSchema.Migrations[..4]) + """

                CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
                INSERT INTO schema_migrations (version) VALUES (1), (2), (3), (4);
                """))
            {
                await command.ExecuteNonQueryAsync();
            }

            await using var insert = dataSource.CreateCommand(
                "INSERT INTO message_log (log_id, seq, entry_id, idempotency_key, author_id, timestamp_ticks, payload) VALUES ($1, 1, 'm1', 'k1', 'a', 0, 'old')");
            insert.Parameters.Add(new NpgsqlParameter { Value = logId });
            await insert.ExecuteNonQueryAsync();
        }

        await using var services = Open(schema);
        var log = services.GetRequiredService<IMessageLog>();
        var old = new LogEntry(logId, 1, "m1", "k1", "a", new DateTimeOffset(0, TimeSpan.Zero), "old");
        Assert.Equal([old], await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal(new LogCount(1, 0), await log.CountAsync(logId, 0, long.MaxValue, null));

        var high = new LogEntry(logId, 2, "m2", "k2", "b", DateTimeOffset.UnixEpoch, "new", HighPriority: true);
        Assert.Equal(high, await log.AppendAsync(high));
        Assert.Equal([old, high], await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal(new LogCount(2, 1), await log.CountAsync(logId, 0, long.MaxValue, null));
        Assert.Equal(Enumerable.Range(1, PostgresSchema.Migrations.Length).Select(v => (v, 1)), await MigrationRowsAsync(schema));
    }

    [Fact]
    public async Task MigrateAsync_SchemaVersion5_AddsTheCountedFlagAndCountsOlderEntries()
    {
        // A schema written before entries had the flag: migrations 1 to 5, and an entry.
        var schema = NewSchema();
        var logId = TestData.NewKey();
        await using (var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString))
        await using (var command = dataSource.CreateCommand($"CREATE SCHEMA \"{schema}\""))
        {
            await command.ExecuteNonQueryAsync();
        }

        var inSchema = new NpgsqlConnectionStringBuilder(PostgresTestDatabase.ConnectionString) { SearchPath = schema }.ConnectionString;
        await using (var dataSource = NpgsqlDataSource.Create(inSchema))
        {
            await using (var command = dataSource.CreateCommand(string.Join("\n", PostgresSchema.Migrations[..5]) + """

                CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
                INSERT INTO schema_migrations (version) VALUES (1), (2), (3), (4), (5);
                """))
            {
                await command.ExecuteNonQueryAsync();
            }

            await using var insert = dataSource.CreateCommand(
                "INSERT INTO message_log (log_id, seq, entry_id, idempotency_key, author_id, timestamp_ticks, payload, high_priority) VALUES ($1, 1, 'm1', 'k1', 'a', 0, 'old', true)");
            insert.Parameters.Add(new NpgsqlParameter { Value = logId });
            await insert.ExecuteNonQueryAsync();
        }

        await using var services = Open(schema);
        var log = services.GetRequiredService<IMessageLog>();
        var old = new LogEntry(logId, 1, "m1", "k1", "a", new DateTimeOffset(0, TimeSpan.Zero), "old", HighPriority: true);
        Assert.Equal([old], await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal(new LogCount(1, 1), await log.CountAsync(logId, 0, long.MaxValue, null));

        var next = new LogEntry(logId, 2, "m2", "k2", "b", DateTimeOffset.UnixEpoch, "new");
        Assert.Equal(next, await log.AppendAsync(next));
        Assert.True(await log.ReviseAsync(logId, 1, "m1", "recalled", counted: false));
        Assert.Equal([old with { Payload = "recalled", Counted = false }, next], await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal(new LogCount(1, 0), await log.CountAsync(logId, 0, long.MaxValue, null));
        Assert.Equal(Enumerable.Range(1, PostgresSchema.Migrations.Length).Select(v => (v, 1)), await MigrationRowsAsync(schema));
    }

    [Fact]
    public async Task AppendAsync_1000ConcurrentAppends_ShareFarFewerCommits()
    {
        await using var services = Open(NewSchema());
        var store = services.GetRequiredService<PostgresStore>();
        var log = services.GetRequiredService<IMessageLog>();
        await store.MigrateAsync();
        var before = store.WriterStatistics;

        // 1,000 callers waiting at once (each call returns as soon as its write is queued).
        await Task.WhenAll(Enumerable.Range(1, 1_000).Select(i =>
            log.AppendAsync(new LogEntry(TestData.NewKey(), 1, $"m{i}", $"k{i}", "alice", DateTimeOffset.UnixEpoch, "hello")).AsTask()));

        var after = store.WriterStatistics;
        Assert.Equal(1_000, after.Writes - before.Writes);
        Assert.True(after.Commits - before.Commits <= 100, $"1,000 concurrent appends took {after.Commits - before.Commits} commits.");
    }

    [Fact]
    public async Task RosterWriteAsync_AmongConcurrentAppends_SharesTheirCommits()
    {
        await using var services = Open(NewSchema());
        var store = services.GetRequiredService<PostgresStore>();
        var roster = services.GetRequiredService<IRosterStore>();
        var log = services.GetRequiredService<IMessageLog>();
        await store.MigrateAsync();
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
    public async Task RosterWriteAsync_ARowTheServerRejectsInABatch_WritesNoneOfThatWriteAndFailsOnlyIt()
    {
        await using var services = Open(NewSchema(), options => options.WriterPartitions = 1);
        var roster = services.GetRequiredService<IRosterStore>();
        var userId = TestData.NewKey();
        var otherUserIds = Enumerable.Range(0, 20).Select(_ => TestData.NewKey()).ToArray();

        // PostgreSQL text cannot hold U+0000: that row fails on the server and aborts its batch's transaction.
        var refused = roster.WriteAsync(userId, [new RosterRow("a", 1, "fine"), new RosterRow("b", 1, "bad\0payload")]).AsTask();
        var accepted = otherUserIds.Select(otherUserId => roster.WriteAsync(otherUserId, [new RosterRow("a", 1, "fine")]).AsTask()).ToArray();

        await Assert.ThrowsAsync<PostgresException>(() => refused);
        await Task.WhenAll(accepted);
        Assert.Empty(await roster.ReadAsync(userId));
        foreach (var otherUserId in otherUserIds)
        {
            Assert.Equal([new RosterRow("a", 1, "fine")], await roster.ReadAsync(otherUserId));
        }
    }

    [Fact]
    public async Task AppendAsync_GroupCommitOff_CommitsEveryWriteAlone()
    {
        await using var services = Open(NewSchema(), options => options.GroupCommit = false);
        var store = services.GetRequiredService<PostgresStore>();
        var log = services.GetRequiredService<IMessageLog>();

        await Task.WhenAll(Enumerable.Range(1, 50).Select(i =>
            log.AppendAsync(new LogEntry(TestData.NewKey(), 1, $"m{i}", null, "alice", DateTimeOffset.UnixEpoch, "hello")).AsTask()));

        var statistics = store.WriterStatistics;
        Assert.Equal((50L, 50L, 1), (statistics.Commits, statistics.Writes, statistics.LargestBatch));
    }

    [Fact]
    public async Task Reopen_AfterDispose_AcknowledgedWritesAreThere()
    {
        var schema = NewSchema();
        var logId = TestData.NewKey();
        var grainId = GrainId.Create("user", TestData.NewKey());
        Task[] appends;
        await using (var services = Open(schema))
        {
            var log = services.GetRequiredService<IMessageLog>();
            var state = new GrainState<TestState>(new TestState("durable", 1, []));
            await GrainStorage(services).WriteStateAsync("s", grainId, state);
            appends = [.. Enumerable.Range(1, 1_000).Select(i => log.AppendAsync(new LogEntry(logId, i, $"m{i}", $"k{i}", "a", DateTimeOffset.UnixEpoch, $"p{i}")).AsTask())];
        }

        await Task.WhenAll(appends);
        await using (var services = Open(schema))
        {
            var entries = await services.GetRequiredService<IMessageLog>().ReadAsync(logId, 0, LogDirection.Forward, 2_000);
            Assert.Equal(Enumerable.Range(1, 1_000).Select(i => (long)i), entries.Select(e => e.Sequence));
            var state = new GrainState<TestState>(new TestState());
            await GrainStorage(services).ReadStateAsync("s", grainId, state);
            Assert.Equal("durable", state.State?.Name);
        }
    }

    [Fact]
    public async Task Reopen_RevisionsAcknowledgedOrStillQueuedAtDispose_AreThereInANewStore()
    {
        var schema = NewSchema();
        var logId = TestData.NewKey();
        var entries = Enumerable.Range(1, 3).Select(i => new LogEntry(logId, i, $"m{i}", $"k{i}", "b", DateTimeOffset.UnixEpoch, $"p{i}")).ToArray();
        Task<bool> queued;
        await using (var services = Open(schema))
        {
            var log = services.GetRequiredService<IMessageLog>();
            foreach (var entry in entries)
            {
                await log.AppendAsync(entry);
            }

            Assert.True(await log.ReviseAsync(logId, 1, "m1", "recalled", counted: false));
            queued = log.ReviseAsync(logId, 3, "m3", "edited", counted: true).AsTask();
        }

        Assert.True(await queued);
        await using (var services = Open(schema))
        {
            var log = services.GetRequiredService<IMessageLog>();
            LogEntry[] revised = [entries[0] with { Payload = "recalled", Counted = false }, entries[1], entries[2] with { Payload = "edited" }];
            Assert.Equal(revised, await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
            Assert.Equal(revised[0], await log.FindByIdempotencyKeyAsync(logId, "k1"));
            Assert.Equal(new LogCount(2, 0), await log.CountAsync(logId, 0, long.MaxValue, null));
        }
    }

    [Fact]
    public async Task AppendAsync_TwoStoresOnOneDatabase_SameIdempotencyKeyStoredOnce()
    {
        // Two silos (separate pools and writers) retrying the same client message at once, each attempt as its own entry
        // with the log's next sequence, 1.
        var schema = NewSchema();
        await using var first = Open(schema);
        await using var second = Open(schema);
        var logId = TestData.NewKey();

        var results = await Task.WhenAll(Enumerable.Range(1, 10).Select(i =>
            (i % 2 == 0 ? first : second).GetRequiredService<IMessageLog>()
                .AppendAsync(new LogEntry(logId, 1, $"m{i}", "same", "a", DateTimeOffset.UnixEpoch, $"p{i}")).AsTask()));

        var stored = Assert.Single(await first.GetRequiredService<IMessageLog>().ReadAsync(logId, 0, LogDirection.Forward, 100));
        Assert.All(results, result => Assert.Equal(stored, result));
    }

    [Fact]
    public async Task AppendAsync_OneWriteTheServerRejectsInABatch_FailsOnlyThatWrite()
    {
        await using var services = Open(NewSchema(), options => options.WriterPartitions = 1);
        var log = services.GetRequiredService<IMessageLog>();
        var logId = TestData.NewKey();
        var otherLogId = TestData.NewKey();

        // PostgreSQL text cannot hold U+0000: that append (the 20th, to another log, so that this log has no gap) fails
        // on the server and aborts its batch's transaction.
        var appends = Enumerable.Range(1, 40)
            .Select(i => (i == 20
                ? log.AppendAsync(new LogEntry(otherLogId, 1, "bad", "bad", "a", DateTimeOffset.UnixEpoch, "bad\0payload"))
                : log.AppendAsync(new LogEntry(logId, i < 20 ? i : i - 1, $"m{i}", $"k{i}", "a", DateTimeOffset.UnixEpoch, $"p{i}"))).AsTask())
            .ToArray();
        await Assert.ThrowsAsync<PostgresException>(() => appends[19]);
        await Task.WhenAll(appends.Where((_, i) => i != 19));

        var stored = await log.ReadAsync(logId, 0, LogDirection.Forward, 100);
        Assert.Equal(Enumerable.Range(1, 39).Select(i => (long)i), stored.Select(e => e.Sequence));
        Assert.Empty(await log.ReadAsync(otherLogId, 0, LogDirection.Forward, 100));
        Assert.Equal(40, (await log.AppendAsync(new LogEntry(logId, 40, "m41", "k41", "a", DateTimeOffset.UnixEpoch, "after"))).Sequence);
    }

    [Fact]
    public async Task HealthCheck_Postgres_IsHealthy()
    {
        await using var services = Open(NewSchema());

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, report.Entries[StorageServiceCollectionExtensions.HealthCheckName].Status);
    }

    [Fact]
    public async Task UseChatStorage_PostgresProvider_UsesConnectionStringAndSection()
    {
        var schema = NewSchema();
        using var host = TestSilo.Build(new()
        {
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = PostgresTestDatabase.ConnectionString,
            ["Storage:Postgres:Schema"] = schema,
            ["Storage:Postgres:WriterPartitions"] = "2",
        });
        var services = host.Services;

        var log = services.GetRequiredService<IMessageLog>();
        Assert.IsType<PostgresMessageLog>(log);
        Assert.IsType<PostgresGrainStorage>(GrainStorage(services));
        Assert.Equal("AdoNetReminderTable", services.GetRequiredService<IReminderTable>().GetType().Name);
        Assert.Equal(2, services.GetRequiredService<IOptions<PostgresStorageOptions>>().Value.WriterPartitions);
        await log.AppendAsync(new LogEntry("configured", 1, "e", null, "a", DateTimeOffset.UnixEpoch, "p"));
        Assert.Equal(schema, services.GetRequiredService<PostgresStore>().Schema);
        Assert.Equal(Enumerable.Range(1, PostgresSchema.Migrations.Length).Select(v => (v, 1)), await MigrationRowsAsync(schema));
    }

    [Fact]
    public async Task UseChatStorage_Postgres_SiloStartsOnAnEmptySchemaAndItsRemindersLandInTheSchema()
    {
        // The ADO.NET reminder table reads its queries from the schema when the silo starts: the migration must run first.
        var schema = NewSchema();
        var grainId = GrainId.Create("room", TestData.NewKey());
        using var host = TestSilo.Build(new()
        {
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = PostgresTestDatabase.ConnectionString,
            ["Storage:Postgres:Schema"] = schema,
        });
        await host.StartAsync();
        try
        {
            var table = host.Services.GetRequiredService<IReminderTable>();
            var eTag = await table.UpsertRow(new ReminderEntry { GrainId = grainId, ReminderName = "tick", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(1) });
            Assert.Equal(eTag, (await table.ReadRow(grainId, "tick"))?.ETag);
        }
        finally
        {
            await host.StopAsync();
        }

        await using var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString);
        await using var command = dataSource.CreateCommand($"SELECT service_id FROM \"{schema}\".orleans_reminders WHERE grain_id = $1 AND reminder_name = 'tick'");
        command.Parameters.Add(new NpgsqlParameter { Value = grainId.ToString() });
        Assert.Equal("persistence-tests", await command.ExecuteScalarAsync());
    }

    [Fact]
    public void Options_InvalidSchemaName_FailValidation()
    {
        var services = new ServiceCollection();
        services.AddPostgresStorage(options =>
        {
            options.ConnectionString = "Host=localhost";
            options.Schema = "bad; DROP TABLE x";
        });
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgresStorageOptions>>().Value);
    }
}
