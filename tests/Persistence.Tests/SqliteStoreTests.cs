using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence.Sqlite;
using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

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
        services.AddSingleton<IGrainStateSerializer, TestGrainStateSerializer>();
        services.AddSqliteStorage(options =>
        {
            options.Path = DatabasePath;
            configure?.Invoke(options);
        });
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Reopen_AfterDispose_AcknowledgedWritesAreThere()
    {
        var logId = TestData.NewKey();
        var grainId = new GrainId("user", TestData.NewKey());
        string? stateETag;
        string reminderETag;
        await using (var services = Open())
        {
            var log = services.GetRequiredService<IMessageLog>();
            await Task.WhenAll(Enumerable.Range(1, 500).Select(i =>
                log.AppendAsync(new LogEntry(logId, i, $"m{i}", $"k{i}", "alice", DateTimeOffset.UnixEpoch.AddSeconds(i), $"payload {i}")).AsTask()));
            var state = new TestGrainState<TestState>(new TestState("durable", 1, []));
            await services.GetRequiredService<IGrainStorage>().WriteStateAsync("s", grainId, state);
            stateETag = state.ETag;
            reminderETag = await services.GetRequiredService<IReminderTable>().UpsertRowAsync(
                new ReminderEntry(grainId, "r", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1)));
        }

        await using (var services = Open())
        {
            var log = services.GetRequiredService<IMessageLog>();
            var entries = await log.ReadAsync(logId, 0, LogDirection.Forward, 1000);
            Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), entries.Select(e => e.Sequence));
            Assert.Equal("payload 250", entries[249].Payload);
            var state = new TestGrainState<TestState>(new TestState());
            await services.GetRequiredService<IGrainStorage>().ReadStateAsync("s", grainId, state);
            Assert.Equal("durable", state.State.Name);
            Assert.Equal(stateETag, state.ETag);
            var reminder = await services.GetRequiredService<IReminderTable>().ReadRowAsync(grainId, "r");
            Assert.Equal(reminderETag, reminder?.ETag);
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
}
