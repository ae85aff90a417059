using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence.Sqlite;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Tests;

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

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IGrainStateSerializer, TestGrainStateSerializer>();
        services.AddStorage(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task AddStorage_NoProvider_UsesSqliteFromConnectionString()
    {
        var path = Path.Combine(_directory, "from-connection-string.db");
        await using var services = Build(new() { ["ConnectionStrings:Sqlite"] = $"Data Source={path}" });

        Assert.Equal("SqliteMessageLog", services.GetRequiredService<IMessageLog>().GetType().Name);
        Assert.Equal(path, services.GetRequiredService<SqliteStore>().FilePath);
    }

    [Fact]
    public async Task AddStorage_SqliteWithPathAndOptions_BindsThem()
    {
        var path = Path.Combine(_directory, "from-path.db");
        await using var services = Build(new()
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:Sqlite:Path"] = path,
            ["Storage:Sqlite:MaxBatchSize"] = "17",
        });

        Assert.Equal(17, services.GetRequiredService<IOptions<SqliteStorageOptions>>().Value.MaxBatchSize);
        Assert.Equal(path, services.GetRequiredService<SqliteStore>().FilePath);
        Assert.Equal("SqliteGrainStorage", services.GetRequiredService<IGrainStorage>().GetType().Name);
        Assert.Equal("SqliteReminderTable", services.GetRequiredService<IReminderTable>().GetType().Name);
    }

    [Fact]
    public async Task AddStorage_InMemory_RegistersInMemoryProviders()
    {
        await using var services = Build(new() { ["Storage:Provider"] = "InMemory" });

        Assert.Equal("InMemoryGrainStorage", services.GetRequiredService<IGrainStorage>().GetType().Name);
        Assert.Equal("InMemoryReminderTable", services.GetRequiredService<IReminderTable>().GetType().Name);
        Assert.Equal("InMemoryMessageLog", services.GetRequiredService<IMessageLog>().GetType().Name);
    }

    [Fact]
    public void AddStorage_UnknownProvider_Throws()
    {
        Assert.Throws<OptionsValidationException>(() => Build(new() { ["Storage:Provider"] = "Cassandra" }));
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

    [Theory]
    [InlineData("InMemory")]
    [InlineData("Sqlite")]
    public async Task HealthCheck_Storage_IsHealthy(string provider)
    {
        await using var services = Build(new()
        {
            ["Storage:Provider"] = provider,
            ["Storage:Sqlite:Path"] = Path.Combine(_directory, "health.db"),
        });

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = Assert.Single(report.Entries);
        Assert.Equal(StorageServiceCollectionExtensions.HealthCheckName, entry.Key);
        Assert.Equal(HealthStatus.Healthy, entry.Value.Status);
    }

    [Fact]
    public async Task HealthCheck_SqliteStoreClosed_IsUnhealthy()
    {
        await using var services = Build(new() { ["Storage:Sqlite:Path"] = Path.Combine(_directory, "closed.db") });
        await services.GetRequiredService<SqliteStore>().DisposeAsync();

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Entries["storage"].Status);
    }
}
