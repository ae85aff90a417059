using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence.AzureStorage;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Reminders.AzureStorage;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Tests;

/// <summary><c>UseChatStorage</c> with <c>Storage:Provider=AzureStorage</c>, and <c>AddAzureTableMessageLog</c> on its own.</summary>
public sealed class AzureStorageRegistrationTests
{
    // Nothing connects while the container is only built: any well-formed connection string will do.
    private const string DevelopmentStorage = "UseDevelopmentStorage=true";

    [Fact]
    public void UseChatStorage_AzureStorage_RegistersOrleansBlobStateWithOurJsonOrleansTableRemindersAndOurLog()
    {
        using var host = TestSilo.Build(new()
        {
            ["Storage:Provider"] = "AzureStorage",
            ["ConnectionStrings:AzureStorage"] = DevelopmentStorage,
            ["Storage:Azure:MessageTableName"] = "messagesx",
            ["Storage:Azure:RosterTableName"] = "rostersx",
            ["Storage:Azure:ReminderTableName"] = "remindersx",
            ["Storage:Azure:GrainStateContainerName"] = "state-x",
            ["Storage:Azure:WriterPartitions"] = "3",
        });
        var services = host.Services;

        Assert.IsType<AzureBlobGrainStorage>(services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME));
        var blob = services.GetRequiredService<IOptionsMonitor<AzureBlobStorageOptions>>().Get(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        Assert.IsType<JsonGrainStateSerializer>(blob.GrainStorageSerializer);
        Assert.Equal("state-x", blob.ContainerName);

        Assert.Equal("AzureBasedReminderTable", services.GetRequiredService<IReminderTable>().GetType().Name);
        Assert.Equal("remindersx", services.GetRequiredService<IOptions<AzureTableReminderStorageOptions>>().Value.TableName);

        var log = Assert.IsType<AzureTableMessageLog>(services.GetRequiredService<IMessageLog>());
        Assert.Equal("messagesx", log.TableName);
        Assert.Equal("rostersx", Assert.IsType<AzureTableRosterStore>(services.GetRequiredService<IRosterStore>()).TableName);
        Assert.Equal(3, services.GetRequiredService<IOptions<AzureStorageOptions>>().Value.WriterPartitions);
    }

    [Fact]
    public void UseChatStorage_AzureStorage_ConnectionStringsEntryWinsOverTheSection()
    {
        using var both = TestSilo.Build(new()
        {
            ["Storage:Provider"] = "AzureStorage",
            ["ConnectionStrings:AzureStorage"] = DevelopmentStorage,
            ["Storage:Azure:ConnectionString"] = "AccountName=other;AccountKey=b3RoZXI=;DefaultEndpointsProtocol=https",
        });
        using var sectionOnly = TestSilo.Build(new()
        {
            ["Storage:Provider"] = "azurestorage",
            ["Storage:Azure:ConnectionString"] = DevelopmentStorage,
        });

        Assert.Equal(DevelopmentStorage, both.Services.GetRequiredService<IOptions<AzureStorageOptions>>().Value.ConnectionString);
        Assert.Equal(DevelopmentStorage, sectionOnly.Services.GetRequiredService<IOptions<AzureStorageOptions>>().Value.ConnectionString);
        Assert.Equal("chatmessages", sectionOnly.Services.GetRequiredService<AzureTableMessageLog>().TableName);
    }

    [Fact]
    public void UseChatStorage_AzureStorageWithoutConnectionString_FailsValidation()
    {
        using var host = TestSilo.Build(new() { ["Storage:Provider"] = "AzureStorage" });

        var exception = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<AzureStorageOptions>>().Value);
        Assert.Contains(nameof(AzureStorageOptions.ConnectionString), exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(AzureStorageOptions.MessageTableName), "chat-messages")]
    [InlineData(nameof(AzureStorageOptions.RosterTableName), "ro")]
    [InlineData(nameof(AzureStorageOptions.ReminderTableName), "1reminders")]
    [InlineData(nameof(AzureStorageOptions.GrainStateContainerName), "Grain_State")]
    public async Task AddAzureTableMessageLog_InvalidName_FailsValidation(string property, string value)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAzureTableMessageLog(options =>
        {
            options.ConnectionString = DevelopmentStorage;
            typeof(AzureStorageOptions).GetProperty(property)!.SetValue(options, value);
        });
        await using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AzureStorageOptions>>().Value);
        Assert.Contains(property, exception.Message, StringComparison.Ordinal);
    }

    /// <summary>The log on its own (tests, benchmarks, tools) must not need a silo.</summary>
    [Fact]
    public async Task AddAzureTableMessageLog_PlainServiceCollection_BuildsWithValidateOnBuild()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAzureTableMessageLog(options => options.ConnectionString = DevelopmentStorage);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.Same(provider.GetRequiredService<AzureTableMessageLog>(), provider.GetRequiredService<IMessageLog>());
        Assert.Same(provider.GetRequiredService<AzureTableRosterStore>(), provider.GetRequiredService<IRosterStore>());
    }

    /// <summary>Table Storage has no full-text query: the store says so, and a search is answered not-supported.</summary>
    [Fact]
    public async Task AddAzureTableMessageLog_MessageSearch_IsNotSupported()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAzureTableMessageLog(options => options.ConnectionString = DevelopmentStorage);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var search = provider.GetRequiredService<IMessageSearch>();
        Assert.False(search.IsSupported);
        await search.IndexAsync("o1:a:b", 1, "nothing kept");
        await Assert.ThrowsAsync<NotSupportedException>(async () => await search.SearchAsync(["o1:a:b"], ["nothing"], 0, 10));
    }

    [AzuriteFact]
    public async Task HealthCheck_AzureStorageOnAzurite_IsHealthy()
    {
        var table = AzuriteTestStorage.NewTableName();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAzureTableMessageLog(options =>
        {
            options.ConnectionString = AzuriteTestStorage.ConnectionString;
            options.MessageTableName = table;
        });
        try
        {
            await using var provider = services.BuildServiceProvider();
            var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

            var entry = Assert.Single(report.Entries);
            Assert.Equal(StorageServiceCollectionExtensions.HealthCheckName, entry.Key);
            Assert.Equal(HealthStatus.Healthy, entry.Value.Status);
        }
        finally
        {
            await AzuriteTestStorage.Table(table).DeleteAsync();
        }
    }

    [Fact]
    public async Task HealthCheck_TableServiceUnreachable_IsUnhealthy()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAzureTableMessageLog(options => options.ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;");
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Entries[StorageServiceCollectionExtensions.HealthCheckName].Status);
    }
}
