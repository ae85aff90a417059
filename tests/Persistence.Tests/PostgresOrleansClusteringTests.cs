using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Chat.Persistence.Postgres;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using Orleans.Runtime;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;
using OrleansMembershipEntry = global::Orleans.MembershipEntry;
using OrleansSiloAddress = global::Orleans.Runtime.SiloAddress;
using OrleansSiloStatus = global::Orleans.Runtime.SiloStatus;
using OrleansTableVersion = global::Orleans.TableVersion;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>A grain for the clustering tests to call through a client: it answers with the silo it runs on.</summary>
public interface IClusteringProbeGrain : IGrainWithStringKey
{
    ValueTask<string> GetSiloAsync();
}

public sealed class ClusteringProbeGrain(ILocalSiloDetails silo) : Grain, IClusteringProbeGrain
{
    public ValueTask<string> GetSiloAsync() => ValueTask.FromResult(silo.SiloAddress.ToString());
}

/// <summary>
/// Orleans' own ADO.NET clustering provider (Microsoft.Orleans.Clustering.AdoNet, invariant "Npgsql") over the tables and
/// the OrleansQuery rows of our migration 3: silos that form a cluster through the table and a client that finds their
/// gateways there, then the table's contract call by call (versions, conflicts, cleanup) on the provider's own classes.
/// </summary>
public sealed class PostgresOrleansClusteringTests : IAsyncLifetime
{
    private const string ServiceId = "clustering-test";

    private static readonly string[] ProviderQueryKeys =
    [
        "CleanupDefunctSiloEntriesKey",
        "CleanupDefunctSiloEntryKey",
        "DeleteMembershipTableEntriesKey",
        "GatewaysQueryKey",
        "InsertMembershipKey",
        "InsertMembershipVersionKey",
        "MembershipReadAllKey",
        "MembershipReadRowKey",
        "UpdateIAmAlivetimeKey",
        "UpdateMembershipKey",
    ];

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly DateTime Now = new(2026, 3, 4, 5, 6, 7, 891, DateTimeKind.Utc);

    private readonly string _schema = PostgresTestDatabase.NewSchema();
    private readonly string _clusterId = "cluster-" + TestData.NewKey();
    private readonly List<IHost> _hosts = [];

    /// <summary>The store's connection string with the schema as the search path: the queries name their tables unqualified.</summary>
    private string ClusteringConnectionString =>
        new NpgsqlConnectionStringBuilder(PostgresTestDatabase.ConnectionString) { SearchPath = _schema }.ConnectionString;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Stop in reverse order, all at once (a silo waits for the others only as long as its shutdown allows).
        await Task.WhenAll(Enumerable.Reverse(_hosts).Select(async host =>
        {
            using var timeout = new CancellationTokenSource(Patience);
            try
            {
                await host.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // A host that does not stop in time is disposed anyway.
            }

            host.Dispose();
        }));
        await PostgresTestDatabase.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task TwoSilosAndAClient_OnTheMembershipTable_FormOneClusterAndSeeAStoppedSiloLeave()
    {
        // Both silos start at once on a fresh schema: each migrates it (one waits for the other's lock) and inserts the
        // cluster's version row (one of them does) before joining.
        var silos = await Task.WhenAll(StartSiloAsync(), StartSiloAsync());

        foreach (var silo in silos)
        {
            await WaitForActiveSilosAsync(silo, 2);
        }

        using var client = await StartClientAsync();
        var gateways = await client.Services.GetRequiredService<IGatewayListProvider>().GetGateways();
        Assert.Equal(2, gateways.Count);
        var siloAddresses = silos.Select(s => s.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString()).ToList();
        var answeredBy = await client.Services.GetRequiredService<IClusterClient>().GetGrain<IClusteringProbeGrain>(TestData.NewKey()).GetSiloAsync();
        Assert.Contains(answeredBy, siloAddresses);

        await silos[0].StopAsync();

        await WaitForActiveSilosAsync(silos[1], 1);
        await WaitForAsync(async () => (await client.Services.GetRequiredService<IGatewayListProvider>().GetGateways()).Count == 1);
    }

    [Fact]
    public async Task Migrate_TwoStoresAtOnce_AppliesEachMigrationOnceAndStoresEveryQueryTheProviderReads()
    {
        // Two stores are two pools, as two processes would have: the advisory lock makes one wait for the other.
        await using (var first = NewStore())
        await using (var second = NewStore())
        {
            await Task.WhenAll(first.MigrateAsync(), second.MigrateAsync());
        }

        await using (var again = NewStore())
        {
            await again.MigrateAsync();
        }

        await using var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString);
        var versions = await ReadStringsAsync(dataSource, $"SELECT version::text FROM \"{_schema}\".schema_migrations ORDER BY version");
        Assert.Equal(Enumerable.Range(1, PostgresSchema.Migrations.Length).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)), versions);
        var keys = await ReadStringsAsync(dataSource, $"SELECT querykey FROM \"{_schema}\".orleansquery");
        Assert.Subset(keys.ToHashSet(), ProviderQueryKeys.ToHashSet());

        // Starting the provider reads OrleansQuery and throws when a key it needs is missing.
        var table = await OpenTableAsync();
        Assert.Empty((await table.ReadAllAsync()).Members);
    }

    [Fact]
    public async Task InitializeMembershipTable_SeveralSilosAtOnce_OneVersionRowAtVersionZero()
    {
        await MigrateAsync();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => OpenTableAsync()));

        var data = await (await OpenTableAsync()).ReadAllAsync();
        Assert.Empty(data.Members);
        Assert.Equal((0, "0"), (data.Version.Version, data.Version.VersionEtag));
        await using var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString);
        Assert.Equal(["1"], await ReadStringsAsync(dataSource, $"SELECT COUNT(*)::text FROM \"{_schema}\".orleans_membership_version"));
    }

    [Fact]
    public async Task InsertRow_CurrentVersion_InsertsOnceAndRaisesTheVersionByOne()
    {
        await MigrateAsync();
        var table = await OpenTableAsync();
        var entry = Entry(1, OrleansSiloStatus.Joining);

        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        var (stored, _) = Assert.Single(data.Members);
        AssertSameEntry(entry, stored);

        // The same silo again, even with the current version: no second row, and the version stays.
        Assert.False(await table.InsertRowAsync(entry, data.Version.Next()));
        Assert.Equal(1, (await table.ReadAllAsync()).Version.Version);

        // Another silo with a version someone else has moved past: nothing happens.
        var stale = new OrleansTableVersion(1, "0");
        Assert.False(await table.InsertRowAsync(Entry(2, OrleansSiloStatus.Joining), stale));
        data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        Assert.Single(data.Members);
    }

    [Fact]
    public async Task UpdateRow_StaleVersionChangesNothing_CurrentVersionStoresStatusAndSuspectTimes()
    {
        await MigrateAsync();
        var table = await OpenTableAsync();
        var entry = Entry(1, OrleansSiloStatus.Joining);
        var suspecter = Entry(2, OrleansSiloStatus.Active);
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        Assert.True(await table.InsertRowAsync(suspecter, (await table.ReadAllAsync()).Version.Next()));
        var before = await table.ReadAllAsync();

        var update = Entry(1, OrleansSiloStatus.Active);
        update.IAmAliveTime = Now.AddMinutes(1);
        update.SuspectTimes = [Tuple.Create(suspecter.SiloAddress, Now.AddSeconds(30)), Tuple.Create(suspecter.SiloAddress, Now.AddSeconds(45))];

        // A row's etag is the table version it was read at (the provider refuses a pair that differs before asking).
        var etag = before.Members.Single(m => m.Item1.SiloAddress.Equals(entry.SiloAddress)).Item2;
        Assert.Equal(before.Version.VersionEtag, etag);
        Assert.False(await table.UpdateRowAsync(update, "1", new OrleansTableVersion(before.Version.Version, "1")));
        var unchanged = await table.ReadRowAsync(entry.SiloAddress);
        Assert.Equal((2, OrleansSiloStatus.Joining), (unchanged.Version.Version, Assert.Single(unchanged.Members).Item1.Status));

        Assert.True(await table.UpdateRowAsync(update, etag, before.Version.Next()));

        var after = await table.ReadRowAsync(entry.SiloAddress);
        Assert.Equal(3, after.Version.Version);
        AssertSameEntry(update, Assert.Single(after.Members).Item1);
        Assert.Equal(2, (await table.ReadAllAsync()).Members.Count);
    }

    [Fact]
    public async Task ReadRow_UnknownSilo_ReturnsTheVersionAndNoMember()
    {
        await MigrateAsync();
        var table = await OpenTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(1, OrleansSiloStatus.Active), (await table.ReadAllAsync()).Version.Next()));

        var data = await table.ReadRowAsync(Entry(9, OrleansSiloStatus.Active).SiloAddress);

        Assert.Empty(data.Members);
        Assert.Equal(1, data.Version.Version);
    }

    [Fact]
    public async Task UpdateIAmAlive_ChangesThatTimeOnly()
    {
        await MigrateAsync();
        var table = await OpenTableAsync();
        var entry = Entry(1, OrleansSiloStatus.Active);
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));

        var alive = Entry(1, OrleansSiloStatus.Dead);
        alive.IAmAliveTime = Now.AddMinutes(5);
        await table.UpdateIAmAliveAsync(alive);

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        var stored = Assert.Single(data.Members).Item1;
        Assert.Equal((OrleansSiloStatus.Active, Now.AddMinutes(5)), (stored.Status, stored.IAmAliveTime));
    }

    [Fact]
    public async Task GetGateways_ActiveSilosWithAGatewayPortOnly()
    {
        await MigrateAsync();
        var table = await OpenTableAsync();
        var active = Entry(1, OrleansSiloStatus.Active, proxyPort: 30001);
        foreach (var entry in new[] { active, Entry(2, OrleansSiloStatus.Active, proxyPort: 0), Entry(3, OrleansSiloStatus.Joining, proxyPort: 30003), Entry(4, OrleansSiloStatus.Dead, proxyPort: 30004) })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        var otherCluster = await OpenTableAsync("other-" + TestData.NewKey());
        Assert.True(await otherCluster.InsertRowAsync(Entry(5, OrleansSiloStatus.Active, proxyPort: 30005), (await otherCluster.ReadAllAsync()).Version.Next()));

        var gateways = await (await OpenGatewayListProviderAsync()).GetGatewaysAsync();

        // Orleans' gateway URI: gwy.tcp://address:proxy-port/generation.
        var gateway = Assert.Single(gateways);
        Assert.Equal(("127.0.0.1", 30001, "/" + active.SiloAddress.Generation), (gateway.Host, gateway.Port, gateway.AbsolutePath));
    }

    /// <summary>
    /// With CleanupDefunctSiloEntryKey the provider reads the table and deletes the rows it judges defunct one by one, each
    /// only if unchanged; without it (an older schema) it runs CleanupDefunctSiloEntriesKey, one DELETE. Both must agree.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CleanupDefunctSiloEntries_RemovesDeadSilosThatWentQuietBeforeTheCutoffOnly(bool singleEntryQuery)
    {
        await MigrateAsync();
        if (!singleEntryQuery)
        {
            await using var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString);
            await using var command = dataSource.CreateCommand($"DELETE FROM \"{_schema}\".orleansquery WHERE querykey = 'CleanupDefunctSiloEntryKey'");
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var table = await OpenTableAsync();
        var oldDead = Entry(1, OrleansSiloStatus.Dead, startTime: Now.AddDays(-3), iAmAlive: Now.AddDays(-2));
        var recentDead = Entry(2, OrleansSiloStatus.Dead, startTime: Now.AddDays(-3), iAmAlive: Now.AddHours(-1));
        var oldActive = Entry(3, OrleansSiloStatus.Active, startTime: Now.AddDays(-3), iAmAlive: Now.AddDays(-2));
        foreach (var entry in new[] { oldDead, recentDead, oldActive })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        var version = (await table.ReadAllAsync()).Version.Version;
        await table.CleanupDefunctSiloEntriesAsync(new DateTimeOffset(Now.AddDays(-1)));

        var data = await table.ReadAllAsync();
        Assert.Equal(version, data.Version.Version);
        Assert.Equal(
            new[] { recentDead.SiloAddress, oldActive.SiloAddress }.Select(a => a.ToString()).Order(),
            data.Members.Select(m => m.Item1.SiloAddress.ToString()).Order());
    }

    [Fact]
    public async Task DeleteMembershipTableEntries_RemovesThatClusterOnly()
    {
        await MigrateAsync();
        var table = await OpenTableAsync();
        var otherId = "other-" + TestData.NewKey();
        var other = await OpenTableAsync(otherId);
        Assert.True(await table.InsertRowAsync(Entry(1, OrleansSiloStatus.Active), (await table.ReadAllAsync()).Version.Next()));
        Assert.True(await other.InsertRowAsync(Entry(1, OrleansSiloStatus.Active), (await other.ReadAllAsync()).Version.Next()));

        await table.DeleteMembershipTableEntriesAsync(_clusterId);

        // Without its version row the cluster reads as empty at version 0 (and a silo starting again inserts the row).
        var data = await table.ReadAllAsync();
        Assert.Equal((0, 0), (data.Members.Count, data.Version.Version));
        Assert.Single((await other.ReadAllAsync()).Members);
        Assert.False(await table.InsertRowAsync(Entry(2, OrleansSiloStatus.Active), data.Version.Next()));
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        Assert.True(await table.InsertRowAsync(Entry(2, OrleansSiloStatus.Active), (await table.ReadAllAsync()).Version.Next()));
    }

    private static OrleansMembershipEntry Entry(int silo, OrleansSiloStatus status, int proxyPort = 30000, DateTime? startTime = null, DateTime? iAmAlive = null) =>
        new()
        {
            SiloAddress = OrleansSiloAddress.New(IPAddress.Loopback, 11110 + silo, 400_000_000 + silo),
            SiloName = $"silo-{silo}",
            HostName = "host-" + silo,
            Status = status,
            ProxyPort = proxyPort,
            StartTime = startTime ?? Now,
            IAmAliveTime = iAmAlive ?? Now,
        };

    private static void AssertSameEntry(OrleansMembershipEntry expected, OrleansMembershipEntry actual)
    {
        Assert.Equal(expected.SiloAddress, actual.SiloAddress);
        Assert.Equal((expected.SiloName, expected.HostName, expected.Status, expected.ProxyPort), (actual.SiloName, actual.HostName, actual.Status, actual.ProxyPort));
        Assert.Equal((expected.StartTime, expected.IAmAliveTime), (actual.StartTime, actual.IAmAliveTime));
        Assert.Equal(DateTimeKind.Utc, actual.StartTime.Kind);
        Assert.Equal(
            expected.SuspectTimes?.Select(s => (s.Item1.ToString(), s.Item2)) ?? [],
            actual.SuspectTimes?.Select(s => (s.Item1.ToString(), s.Item2)) ?? []);
    }

    private PostgresStore NewStore() =>
        new(Options.Create(new PostgresStorageOptions { ConnectionString = PostgresTestDatabase.ConnectionString, Schema = _schema }), NullLogger<PostgresStore>.Instance);

    private async Task MigrateAsync()
    {
        await using var store = NewStore();
        await store.MigrateAsync();
    }

    /// <summary>The provider's membership table as a silo builds it, started as a silo starts it (inserting the version row).</summary>
    private async Task<AdoNetClusteringTable> OpenTableAsync(string? clusterId = null)
    {
        var table = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = clusterId ?? _clusterId, ServiceId = ServiceId }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = "Npgsql", ConnectionString = ClusteringConnectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return table;
    }

    private async Task<AdoNetGatewayListProvider> OpenGatewayListProviderAsync()
    {
        var provider = new AdoNetGatewayListProvider(
            NullLogger<AdoNetGatewayListProvider>.Instance,
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new AdoNetClusteringClientOptions { Invariant = "Npgsql", ConnectionString = ClusteringConnectionString }),
            Options.Create(new GatewayOptions()),
            Options.Create(new ClusterOptions { ClusterId = _clusterId, ServiceId = ServiceId }));
        await provider.InitializeGatewayListProviderAsync();
        return provider;
    }

    /// <summary>A silo as the server configures its storage (<c>UseChatStorage</c> on PostgreSQL), clustered through the table.</summary>
    private async Task<IHost> StartSiloAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = PostgresTestDatabase.ConnectionString,
            ["Storage:Postgres:Schema"] = _schema,
        });
        builder.Services.AddLogging();
        builder.Services.AddTestJsonResolver();
        builder.UseOrleans(silo => silo
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = _clusterId;
                options.ServiceId = ServiceId;
            })
            .Configure<ClusterMembershipOptions>(options => options.TableRefreshTimeout = TimeSpan.FromSeconds(2))
            .ConfigureEndpoints(IPAddress.Loopback, ChatClustering.FreeLoopbackPort(), ChatClustering.FreeLoopbackPort())
            .UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = ClusteringConnectionString;
            })
            .UseChatStorage(builder.Configuration));
        var host = builder.Build();
        lock (_hosts)
        {
            _hosts.Add(host);
        }

        await host.StartAsync();
        return host;
    }

    private async Task<IHost> StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        builder.Services.AddLogging();
        builder.Services.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        builder.UseOrleansClient(client => client
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = _clusterId;
                options.ServiceId = ServiceId;
            })
            .UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = ClusteringConnectionString;
            }));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task WaitForActiveSilosAsync(IHost silo, int count)
    {
        var management = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        await WaitForAsync(async () => (await management.GetHosts(onlyActive: true)).Count == count);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {Patience}.");
            await Task.Delay(100);
        }
    }

    private static async Task<List<string>> ReadStringsAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
