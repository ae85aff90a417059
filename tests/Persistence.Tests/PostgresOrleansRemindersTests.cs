using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Chat.Persistence.Postgres;
using Orleans.Configuration;
using Orleans.Hosting;
using OrleansGrainId = global::Orleans.Runtime.GrainId;
using OrleansReminderEntry = global::Orleans.ReminderEntry;
using OrleansReminderTable = global::Orleans.IReminderTable;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>
/// Orleans' own ADO.NET reminder provider (Microsoft.Orleans.Reminders.AdoNet, invariant "Npgsql") over the table and the
/// OrleansQuery rows that our migration creates: the provider ships no SQL, so these tests hold our migration to its contract.
/// </summary>
public sealed class PostgresOrleansRemindersTests : IAsyncLifetime
{
    private const string ServiceId = "reminders-test";

    private static readonly string[] ProviderQueryKeys =
    [
        "DeleteReminderRowKey",
        "DeleteReminderRowsKey",
        "ReadRangeRows1Key",
        "ReadRangeRows2Key",
        "ReadReminderRowKey",
        "ReadReminderRowsKey",
        "UpsertReminderRowKey",
    ];

    private static readonly DateTime StartAt = new(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);

    private readonly string _schema = PostgresTestDatabase.NewSchema();
    private readonly List<ServiceProvider> _providers = [];

    public async Task InitializeAsync()
    {
        // The same path as production: the store applies every migration to a fresh schema.
        var options = new PostgresStorageOptions { ConnectionString = PostgresTestDatabase.ConnectionString, Schema = _schema };
        await using var store = new PostgresStore(Options.Create(options), NullLogger<PostgresStore>.Instance);
        await store.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await PostgresTestDatabase.DropSchemaAsync(_schema);
    }

    /// <summary>
    /// The provider's table as a silo gets it: Orleans' own registration (UseAdoNetReminderService; the implementation is
    /// internal), resolved as IReminderTable and started, which loads the queries from OrleansQuery.
    /// </summary>
    private async Task<OrleansReminderTable> OpenTableAsync(string serviceId = ServiceId)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = "test";
            options.ServiceId = serviceId;
        });
        services.UseAdoNetReminderService(builder => builder.Configure(options =>
        {
            options.Invariant = "Npgsql";
            options.ConnectionString = new NpgsqlConnectionStringBuilder(PostgresTestDatabase.ConnectionString) { SearchPath = _schema }.ConnectionString;
        }));
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var table = provider.GetRequiredService<OrleansReminderTable>();
        await table.StartAsync();
        return table;
    }

    private static OrleansReminderEntry Entry(OrleansGrainId grainId, string name, DateTime? startAt = null, TimeSpan? period = null) =>
        new() { GrainId = grainId, ReminderName = name, StartAt = startAt ?? StartAt, Period = period ?? TimeSpan.FromMinutes(1) };

    private static OrleansGrainId NewGrainId() => OrleansGrainId.Create("room", TestData.NewKey());

    [Fact]
    public async Task StartAsync_MigratedSchema_FindsEveryQueryTheProviderReads()
    {
        // Starting throws when a key the provider reads is missing from OrleansQuery.
        await OpenTableAsync();

        await using var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString);
        await using var command = dataSource.CreateCommand($"SELECT querykey FROM \"{_schema}\".orleansquery ORDER BY querykey");
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        // Every reminder key is there (migration 3 adds the clustering provider's keys to the same table).
        Assert.Subset(keys.ToHashSet(), ProviderQueryKeys.ToHashSet());
    }

    [Fact]
    public async Task Migration_OldRemindersTable_IsDropped()
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT to_regclass($1) IS NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = $"\"{_schema}\".reminders" });

        Assert.True(await command.ExecuteScalarAsync() is true);
    }

    [Fact]
    public async Task UpsertRow_NewThenExisting_ReadRowReturnsLatestWithNewEtag()
    {
        var table = await OpenTableAsync();
        var grainId = NewGrainId();

        var first = await table.UpsertRow(Entry(grainId, "daily", StartAt, TimeSpan.FromMinutes(5)));
        var second = await table.UpsertRow(Entry(grainId, "daily", StartAt.AddMinutes(1), TimeSpan.FromMinutes(10)));

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotEqual(first, second);
        var row = await table.ReadRow(grainId, "daily");
        Assert.NotNull(row);
        Assert.Equal(grainId, row.GrainId);
        Assert.Equal("daily", row.ReminderName);
        Assert.Equal(StartAt.AddMinutes(1), row.StartAt);
        Assert.Equal(DateTimeKind.Utc, row.StartAt.Kind);
        Assert.Equal(TimeSpan.FromMinutes(10), row.Period);
        Assert.Equal(second, row.ETag);
    }

    [Fact]
    public async Task ReadRow_Missing_ReturnsNull()
    {
        var table = await OpenTableAsync();
        var grainId = NewGrainId();
        await table.UpsertRow(Entry(grainId, "present"));

        Assert.Null(await table.ReadRow(grainId, "absent"));
        Assert.Null(await table.ReadRow(NewGrainId(), "present"));
    }

    [Fact]
    public async Task ReadRows_ByGrain_ReturnsOnlyThatGrainsReminders()
    {
        var table = await OpenTableAsync();
        var grainId = NewGrainId();

        // Over int.MaxValue milliseconds: the provider binds the period as a bigint instead of an int.
        var longPeriod = TimeSpan.FromDays(40);
        await table.UpsertRow(Entry(grainId, "a"));
        await table.UpsertRow(Entry(grainId, "b", period: longPeriod));
        await table.UpsertRow(Entry(NewGrainId(), "a"));

        var rows = (await table.ReadRows(grainId)).Reminders;

        Assert.Equal(new[] { "a", "b" }, rows.Select(r => r.ReminderName).Order());
        Assert.All(rows, r => Assert.Equal(grainId, r.GrainId));
        Assert.Equal(longPeriod, rows.Single(r => r.ReminderName == "b").Period);
    }

    [Fact]
    public async Task RemoveRow_StaleEtag_KeepsTheRow()
    {
        var table = await OpenTableAsync();
        var grainId = NewGrainId();
        var stale = await table.UpsertRow(Entry(grainId, "tick"));
        var current = await table.UpsertRow(Entry(grainId, "tick", period: TimeSpan.FromMinutes(2)));

        Assert.False(await table.RemoveRow(grainId, "tick", stale!));

        var row = await table.ReadRow(grainId, "tick");
        Assert.NotNull(row);
        Assert.Equal(current, row.ETag);
    }

    [Fact]
    public async Task RemoveRow_CurrentEtag_RemovesOnce()
    {
        var table = await OpenTableAsync();
        var grainId = NewGrainId();
        var etag = await table.UpsertRow(Entry(grainId, "tick"));

        Assert.True(await table.RemoveRow(grainId, "tick", etag!));
        Assert.Null(await table.ReadRow(grainId, "tick"));
        Assert.False(await table.RemoveRow(grainId, "tick", etag!));
    }

    [Fact]
    public async Task RemoveRow_OtherServiceId_DoesNotRemove()
    {
        var table = await OpenTableAsync();
        var other = await OpenTableAsync("another-service");
        var grainId = NewGrainId();
        var etag = await table.UpsertRow(Entry(grainId, "tick"));

        Assert.False(await other.RemoveRow(grainId, "tick", etag!));
        Assert.Null(await other.ReadRow(grainId, "tick"));
        Assert.NotNull(await table.ReadRow(grainId, "tick"));
    }

    /// <summary>
    /// IReminderTable.ReadRows(begin, end) returns the hashes in (begin, end] on the uint ring, wrapping when begin >= end.
    /// The provider passes the hashes as signed ints and picks ReadRangeRows1Key or ReadRangeRows2Key by signed order, so
    /// the cases cover both keys on both sides of 0 and of 2^31.
    /// </summary>
    [Theory]
    [InlineData(0x1000_0000u, 0x7000_0000u)] // begin < end, both below 2^31
    [InlineData(0x9000_0000u, 0xF000_0000u)] // begin < end, both negative as ints
    [InlineData(0x4000_0000u, 0xC000_0000u)] // begin < end across 2^31: signed begin > signed end
    [InlineData(0xC000_0000u, 0x4000_0000u)] // wrap-around across 0: signed begin < signed end
    [InlineData(0xF000_0000u, 0x1000_0000u)] // small wrap-around
    [InlineData(0x7000_0000u, 0x1000_0000u)] // wrap-around, both below 2^31
    [InlineData(0u, uint.MaxValue)] // everything but hash 0
    [InlineData(12345u, 12345u)] // begin == end: the whole ring
    public async Task ReadRows_HashRange_ReturnsExactlyTheRing(uint begin, uint end)
    {
        var table = await OpenTableAsync();
        var other = await OpenTableAsync("another-service");
        var grainIds = Enumerable.Range(0, 200).Select(_ => NewGrainId()).ToList();
        foreach (var grainId in grainIds)
        {
            await table.UpsertRow(Entry(grainId, "tick"));
        }

        await other.UpsertRow(Entry(grainIds[0], "tick"));

        var rows = (await table.ReadRows(begin, end)).Reminders;

        var expected = grainIds.Where(g => InRing(g.GetUniformHashCode(), begin, end)).Select(g => g.ToString()).Order().ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, rows.Select(r => r.GrainId.ToString()).Order().ToList());

        static bool InRing(uint hash, uint begin, uint end) => begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;
    }

    [Fact]
    public async Task ReadRows_HashRange_BeginExclusiveEndInclusive()
    {
        var table = await OpenTableAsync();
        var grainId = NewGrainId();
        var hash = grainId.GetUniformHashCode();
        await table.UpsertRow(Entry(grainId, "tick"));

        // begin < end (ReadRangeRows1Key, except in the rare case that the pair straddles 2^31).
        Assert.Single((await table.ReadRows(hash - 1, hash)).Reminders);
        Assert.Empty((await table.ReadRows(hash, hash + 1)).Reminders);

        // begin > end, the wrap-around (ReadRangeRows2Key): the whole ring but (end, begin].
        Assert.Empty((await table.ReadRows(hash, hash - 1)).Reminders);
        Assert.Single((await table.ReadRows(hash + 1, hash)).Reminders);
        Assert.Single((await table.ReadRows(hash - 1, hash - 2)).Reminders);
    }

    [Fact]
    public async Task TestOnlyClearTable_RemovesThisServiceOnly()
    {
        var table = await OpenTableAsync();
        var other = await OpenTableAsync("another-service");
        var grainId = NewGrainId();
        await table.UpsertRow(Entry(grainId, "a"));
        await table.UpsertRow(Entry(NewGrainId(), "b"));
        await other.UpsertRow(Entry(grainId, "a"));

        await table.TestOnlyClearTable();

        Assert.Empty((await table.ReadRows(0, 0)).Reminders);
        Assert.Single((await other.ReadRows(0, 0)).Reminders);
    }
}
