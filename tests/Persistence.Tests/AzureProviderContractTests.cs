using Orleans.Chat.Persistence.Tests.Contract;

namespace Orleans.Chat.Persistence.Tests;

// The message log and the rosters on Azure Table Storage (Azurite). Grain state and reminders on this profile are Orleans'
// own Blob and Table providers (see AzureStorageSiloTests), so only the log and the rosters are ours to prove.
public sealed class AzureTableMessageLogContractTests(AzureTableMessageLogFixture fixture)
    : MessageLogContractTests(fixture), IClassFixture<AzureTableMessageLogFixture>;

public sealed class AzureTableRosterStoreContractTests(AzureTableMessageLogFixture fixture)
    : RosterStoreContractTests(fixture), IClassFixture<AzureTableMessageLogFixture>;
