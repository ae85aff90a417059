namespace Orleans.Chat.Persistence;

/// <summary>The stores <c>Storage:Provider</c> chooses from (<see cref="StorageServiceCollectionExtensions.ProviderOf"/>).</summary>
public enum StorageProvider
{
    Sqlite,
    Postgres,
    AzureStorage,
    InMemory,
}
