using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence.InMemory;
using Orleans.Chat.Persistence.Postgres;
using Orleans.Chat.Persistence.Sqlite;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Tests;

/// <summary><c>UseChatStorage</c> on a silo, from configuration; and the SQLite registration on its own.</summary>
public sealed class StorageRegistrationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "orleans-chat-tests", TestData.NewKey());

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static IGrainStorage DefaultGrainStorage(IServiceProvider services) =>
        services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);

    [Fact]
    public void UseChatStorage_NoProvider_UsesSqliteFromConnectionString()
    {
        var path = Path.Combine(_directory, "from-connection-string.db");
        using var host = TestSilo.Build(new() { ["ConnectionStrings:Sqlite"] = $"Data Source={path}" });

        Assert.IsType<SqliteMessageLog>(host.Services.GetRequiredService<IMessageLog>());
        Assert.Equal(path, host.Services.GetRequiredService<SqliteStore>().FilePath);
        Assert.IsType<SqliteGrainStorage>(DefaultGrainStorage(host.Services));
        Assert.IsType<SqliteReminderTable>(host.Services.GetRequiredService<IReminderTable>());
        Assert.IsType<SqliteRosterStore>(host.Services.GetRequiredService<IRosterStore>());
    }

    [Fact]
    public void UseChatStorage_SqliteWithPathAndOptions_BindsThem()
    {
        var path = Path.Combine(_directory, "from-path.db");
        using var host = TestSilo.Build(new()
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:Sqlite:Path"] = path,
            ["Storage:Sqlite:MaxBatchSize"] = "17",
        });

        Assert.Equal(17, host.Services.GetRequiredService<IOptions<SqliteStorageOptions>>().Value.MaxBatchSize);
        Assert.Equal(path, host.Services.GetRequiredService<SqliteStore>().FilePath);

        // The unkeyed grain storage is the default provider too (Orleans' AddGrainStorage registers both).
        Assert.Same(DefaultGrainStorage(host.Services), host.Services.GetRequiredService<IGrainStorage>());
    }

    [Fact]
    public void UseChatStorage_InMemory_RegistersOrleansMemoryProvidersAndOurLog()
    {
        using var host = TestSilo.Build(new() { ["Storage:Provider"] = "InMemory" });

        Assert.IsType<MemoryGrainStorage>(DefaultGrainStorage(host.Services));
        Assert.Equal("InMemoryReminderTable", host.Services.GetRequiredService<IReminderTable>().GetType().Name);
        Assert.IsType<InMemoryMessageLog>(host.Services.GetRequiredService<IMessageLog>());
        Assert.IsType<InMemoryRosterStore>(host.Services.GetRequiredService<IRosterStore>());
    }

    [Fact]
    public void UseChatStorage_UnknownProvider_Throws()
    {
        var exception = Assert.Throws<OptionsValidationException>(() => TestSilo.Build(new() { ["Storage:Provider"] = "Cassandra" }));
        Assert.Contains("Cassandra", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSqliteStorage_InvalidOptions_FailValidation()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSqliteStorage(options =>
        {
            options.Path = Path.Combine(_directory, "x.db");
            options.MaxBatchSize = 0;
        });
        await using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SqliteStorageOptions>>().Value);
    }

    [Fact]
    public async Task AddSqliteStorage_PlainServiceCollection_BuildsWithValidateOnBuild()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSqliteStorage(options => options.Path = Path.Combine(_directory, "plain.db"));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.IsType<SqliteMessageLog>(provider.GetRequiredService<IMessageLog>());
        Assert.IsType<SqliteGrainStorage>(DefaultGrainStorage(provider));
        Assert.IsType<SqliteReminderTable>(provider.GetRequiredService<IReminderTable>());
    }

    /// <summary>
    /// The store on its own (tests, benchmarks, tools) must not need a silo. Nothing is opened: the connection string is never used.
    /// </summary>
    [Fact]
    public async Task AddPostgresStorage_PlainServiceCollection_BuildsWithValidateOnBuild()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPostgresStorage(options => options.ConnectionString = "Host=127.0.0.1;Port=1");
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.IsType<PostgresMessageLog>(provider.GetRequiredService<IMessageLog>());
        Assert.IsType<PostgresGrainStorage>(DefaultGrainStorage(provider));
        Assert.IsType<PostgresRosterStore>(provider.GetRequiredService<IRosterStore>());
    }

    [Theory]
    [InlineData("InMemory")]
    [InlineData("Sqlite")]
    public async Task HealthCheck_Storage_IsHealthy(string provider)
    {
        using var host = TestSilo.Build(new()
        {
            ["Storage:Provider"] = provider,
            ["Storage:Sqlite:Path"] = Path.Combine(_directory, "health.db"),
        });

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = Assert.Single(report.Entries);
        Assert.Equal(StorageServiceCollectionExtensions.HealthCheckName, entry.Key);
        Assert.Equal(HealthStatus.Healthy, entry.Value.Status);
    }

    [Fact]
    public async Task HealthCheck_SqliteStoreClosed_IsUnhealthy()
    {
        using var host = TestSilo.Build(new() { ["Storage:Sqlite:Path"] = Path.Combine(_directory, "closed.db") });
        await host.Services.GetRequiredService<SqliteStore>().DisposeAsync();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Entries["storage"].Status);
    }

    [Fact]
    public async Task UseChatStorage_Sqlite_SiloStartsAndItsReminderServiceUsesTheSqliteTable()
    {
        var path = Path.Combine(_directory, "silo.db");
        var grainId = GrainId.Create("room", TestData.NewKey());
        string? eTag;
        using (var host = TestSilo.Build(new() { ["Storage:Sqlite:Path"] = path }))
        {
            await host.StartAsync();
            Assert.NotNull(host.Services.GetService<Orleans.Timers.IReminderRegistry>());
            var table = host.Services.GetRequiredService<IReminderTable>();
            eTag = await table.UpsertRow(new ReminderEntry { GrainId = grainId, ReminderName = "tick", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(1) });
            await host.StopAsync();
        }

        using var reopened = TestSilo.Build(new() { ["Storage:Sqlite:Path"] = path });
        Assert.Equal(eTag, (await reopened.Services.GetRequiredService<IReminderTable>().ReadRow(grainId, "tick"))?.ETag);
    }
}
