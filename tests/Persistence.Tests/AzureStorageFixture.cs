using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Persistence.AzureStorage;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>
/// The Azure Storage emulator for the tests comes from ORLEANS_CHAT_TEST_AZURITE (a connection string;
/// <c>eval "$(scripts/azurite.sh start)"</c> sets it, and scripts/test.sh always does).
/// </summary>
public static class AzuriteTestStorage
{
    public const string Variable = "ORLEANS_CHAT_TEST_AZURITE";

    public const string SkipReason =
        $"{Variable} is not set, so the Azure Storage tests do not run. Start a throwaway Azurite with "
        + "`eval \"$(scripts/azurite.sh start)\"` (scripts/test.sh does this) or point the variable at a test account.";

    public static bool IsConfigured => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 };

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : throw new InvalidOperationException(SkipReason);

    /// <summary>A fresh table name (letters and digits, starting with a letter).</summary>
    public static string NewTableName() => "t" + TestData.NewKey();

    /// <summary>A fresh blob container name (lower-case letters and digits).</summary>
    public static string NewContainerName() => "t" + TestData.NewKey();

    public static TableClient Table(string name) => new TableServiceClient(ConnectionString).GetTableClient(name);

    public static BlobContainerClient Container(string name) => new BlobServiceClient(ConnectionString).GetBlobContainerClient(name);

    public static async Task DeleteAsync(IEnumerable<string> tables, IEnumerable<string> containers)
    {
        foreach (var table in tables)
        {
            await Table(table).DeleteAsync();
        }

        foreach (var container in containers)
        {
            await Container(container).DeleteIfExistsAsync();
        }
    }

    /// <summary>A log on its own table, constructed directly (for tests that need several, or their counters).</summary>
    public static AzureTableMessageLog NewLog(string table, Action<AzureStorageOptions>? configure = null)
    {
        var options = new AzureStorageOptions { ConnectionString = ConnectionString, MessageTableName = table };
        configure?.Invoke(options);
        return new AzureTableMessageLog(Microsoft.Extensions.Options.Options.Create(options));
    }
}

/// <summary>A test that needs Azurite: skipped, with the reason, when ORLEANS_CHAT_TEST_AZURITE is unset.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (!AzuriteTestStorage.IsConfigured)
        {
            Skip = AzuriteTestStorage.SkipReason;
        }
    }
}

/// <summary>
/// The Azure Table message log and rosters through their public registration, on fresh tables, for the log and roster
/// contracts. The contracts' tests are plain facts of the shared suites, so without ORLEANS_CHAT_TEST_AZURITE they fail
/// here with the reason (as the PostgreSQL ones do) rather than skip.
/// </summary>
public sealed class AzureTableMessageLogFixture : StorageFixture
{
    private bool _initialized;

    public string Table { get; } = AzuriteTestStorage.NewTableName();

    public string RosterTable { get; } = AzuriteTestStorage.NewTableName();

    protected override void AddStorage(IServiceCollection services) =>
        services.AddAzureTableMessageLog(options =>
        {
            options.ConnectionString = AzuriteTestStorage.ConnectionString;
            options.MessageTableName = Table;
            options.RosterTableName = RosterTable;
        });

    public override async Task InitializeAsync()
    {
        _ = AzuriteTestStorage.ConnectionString; // fails here, with the reason, when the variable is unset
        await base.InitializeAsync();
        _initialized = true;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_initialized)
        {
            await AzuriteTestStorage.DeleteAsync([Table, RosterTable], []);
        }
    }
}
