using Orleans.Chat.Persistence.Tests.Contract;

namespace Orleans.Chat.Persistence.Tests;

// The message log on Azure Table Storage (Azurite). Grain state and reminders on this profile are Orleans' own Blob and
// Table providers (see AzureStorageSiloTests), so only the log is ours to prove.
public sealed class AzureTableMessageLogContractTests(AzureTableMessageLogFixture fixture)
    : MessageLogContractTests(fixture), IClassFixture<AzureTableMessageLogFixture>;
