using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Chat.Persistence.AzureStorage;
using Orleans.Chat.Persistence.Blobs;
using Orleans.Chat.Persistence.Postgres;

namespace Orleans.Chat.Persistence;

/// <summary>
/// Registers the <see cref="IBlobStore"/> of the store <c>Storage:Provider</c> chooses. Unlike <c>UseChatStorage</c>,
/// this needs no silo: an API host in client mode writes and reads blobs itself, with the silos' storage configuration.
/// </summary>
public static class BlobStoreServiceCollectionExtensions
{
    /// <summary>
    /// <c>Sqlite</c> (default): files under <c>{Storage:DataDirectory}/attachments</c>; <c>Postgres</c>: tables of the
    /// PostgreSQL store (<c>ConnectionStrings:Postgres</c>, <c>Storage:Postgres</c>); <c>AzureStorage</c>: a blob container
    /// (<c>ConnectionStrings:AzureStorage</c>, <c>Storage:Azure:BlobContainerName</c>); <c>InMemory</c>: this process's memory.
    /// </summary>
    public static IServiceCollection AddChatBlobStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        switch (StorageServiceCollectionExtensions.ProviderOf(configuration))
        {
            case StorageProvider.Sqlite:
                var directory = Path.Combine(StorageServiceCollectionExtensions.DataDirectory(configuration), "attachments");
                return services.AddFileBlobStore(options => options.Directory = directory);

            case StorageProvider.Postgres:
                services.BindPostgresOptions(configuration);
                return services.AddPostgresBlobStore();

            case StorageProvider.AzureStorage:
                services.BindAzureOptions(configuration);
                return services.AddAzureBlobStore();

            default: // StorageProvider.InMemory
                return services.AddSingleton<IBlobStore, InMemoryBlobStore>();
        }
    }

    /// <summary>Blobs as files of one directory (<see cref="FileBlobStoreOptions.Directory"/>); temporary files of unfinished writes are removed at start-up.</summary>
    public static IServiceCollection AddFileBlobStore(this IServiceCollection services, Action<FileBlobStoreOptions>? configure = null)
    {
        var options = services.AddOptions<FileBlobStoreOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton<FileBlobStore>();
        services.AddSingleton<IBlobStore>(static sp => sp.GetRequiredService<FileBlobStore>());
        services.AddHostedService<FileBlobStoreLifetime>();
        return services;
    }

    /// <summary>Blobs in the PostgreSQL store's schema (<see cref="PostgresStorageOptions"/>), sharing its connections and migrations.</summary>
    public static IServiceCollection AddPostgresBlobStore(this IServiceCollection services, Action<PostgresStorageOptions>? configure = null)
    {
        var options = services.AddOptions<PostgresStorageOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<PostgresStore>();
        return services.AddSingleton<IBlobStore, PostgresBlobStore>();
    }

    /// <summary>Blobs in the container <see cref="AzureStorageOptions.BlobContainerName"/> of the Azure Storage account.</summary>
    public static IServiceCollection AddAzureBlobStore(this IServiceCollection services, Action<AzureStorageOptions>? configure = null)
    {
        var options = services.AddOptions<AzureStorageOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services.AddSingleton<IBlobStore, AzureBlobStore>();
    }
}
