using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Chat.Persistence.AzureStorage;
using Orleans.Chat.Persistence.InMemory;
using Orleans.Chat.Persistence.Postgres;
using Orleans.Chat.Persistence.Sqlite;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;

namespace Orleans.Chat.Persistence;

/// <summary>
/// Registers one store for the silo: Orleans' default grain storage, its reminder table, our <see cref="IMessageLog"/>
/// and our <see cref="IRosterStore"/>, plus the "storage" health check. Our grain storage providers serialize state with
/// <see cref="JsonGrainStateSerializer"/>, over the <c>IJsonTypeInfoResolver</c>s registered in DI.
/// </summary>
public static class StorageServiceCollectionExtensions
{
    public const string HealthCheckName = "storage";

    /// <summary>
    /// Picks the store from configuration: <c>Storage:Provider</c> = <c>Sqlite</c> (default) | <c>Postgres</c> |
    /// <c>AzureStorage</c> | <c>InMemory</c>. SQLite reads <c>ConnectionStrings:Sqlite</c> (its Data Source) or
    /// <c>Storage:Sqlite:Path</c>, and the rest of <c>Storage:Sqlite</c>; PostgreSQL reads <c>ConnectionStrings:Postgres</c>
    /// and <c>Storage:Postgres</c>; Azure Storage reads <c>ConnectionStrings:AzureStorage</c> and <c>Storage:Azure</c>.
    /// </summary>
    public static ISiloBuilder UseChatStorage(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        var provider = ProviderOf(configuration);
        if (provider == StorageProvider.Sqlite)
        {
            services.AddOptions<SqliteStorageOptions>()
                .Bind(configuration.GetSection(SqliteStorageOptions.SectionName))
                .Configure(options =>
                {
                    if (configuration.GetConnectionString("Sqlite") is { Length: > 0 } connectionString)
                    {
                        options.Path = new SqliteConnectionStringBuilder(connectionString).DataSource;
                    }
                });
            services.AddSqliteStorage();
            return silo.AddReminders();
        }

        if (provider == StorageProvider.Postgres)
        {
            services.BindPostgresOptions(configuration);
            services.AddPostgresStorage();

            // Here, not in AddPostgresStorage: Orleans' registration adds the reminder service, which only a silo can build.
            return silo.UseAdoNetReminderService(static reminders => reminders.Configure<IOptions<PostgresStorageOptions>>(static (table, postgres) =>
            {
                table.Invariant = "Npgsql";
                table.ConnectionString = new NpgsqlConnectionStringBuilder(postgres.Value.ConnectionString) { SearchPath = postgres.Value.Schema }.ConnectionString;
            }));
        }

        if (provider == StorageProvider.AzureStorage)
        {
            services.BindAzureOptions(configuration);
            services.AddAzureTableMessageLog();
            services.TryAddSingleton<JsonGrainStateSerializer>();

            // Orleans' own providers for Orleans' concepts: grain state as one blob per grain (in our JSON, like the other
            // stores), reminders in a table. Clustering is the silo's business (src/Silo).
            return silo
                .AddAzureBlobGrainStorageAsDefault(static blob => blob.Configure<IOptions<AzureStorageOptions>, JsonGrainStateSerializer>(static (options, azure, serializer) =>
                {
                    options.BlobServiceClient = new BlobServiceClient(azure.Value.ConnectionString);
                    options.ContainerName = azure.Value.GrainStateContainerName;
                    options.GrainStorageSerializer = serializer;
                }))
                .UseAzureTableReminderService(static reminders => reminders.Configure<IOptions<AzureStorageOptions>>(static (options, azure) =>
                {
                    options.TableServiceClient = new TableServiceClient(azure.Value.ConnectionString);
                    options.TableName = azure.Value.ReminderTableName;
                }));
        }

        // StorageProvider.InMemory: Orleans' own in-memory grain storage and reminders; only the message log and the rosters are ours.
        services.AddSingleton<IMessageLog, InMemoryMessageLog>();
        services.AddSingleton<IRosterStore, InMemoryRosterStore>();
        services.AddSingleton<IMessageSearch, InMemoryMessageSearch>();
        services.AddSingleton<IStorageProbe, InMemoryStorageProbe>();
        services.AddStorageHealthCheck();
        return silo.AddMemoryGrainStorageAsDefault().UseInMemoryReminderService();
    }

    /// <summary>
    /// The store <c>Storage:Provider</c> names: <c>Sqlite</c> (also when unset), <c>Postgres</c> (or <c>PostgreSQL</c>),
    /// <c>AzureStorage</c> or <c>InMemory</c>, in any case; anything else fails.
    /// </summary>
    public static StorageProvider ProviderOf(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var provider = configuration["Storage:Provider"];
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return StorageProvider.Sqlite;
        }

        if (provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase) || provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase))
        {
            return StorageProvider.Postgres;
        }

        if (provider.Equals("AzureStorage", StringComparison.OrdinalIgnoreCase))
        {
            return StorageProvider.AzureStorage;
        }

        if (provider.Equals("InMemory", StringComparison.OrdinalIgnoreCase))
        {
            return StorageProvider.InMemory;
        }

        throw new OptionsValidationException(
            "Storage:Provider",
            typeof(string),
            [$"Storage:Provider is '{provider}'; it must be Sqlite, Postgres, AzureStorage or InMemory."]);
    }

    /// <summary>Where this process keeps its files: <c>Storage:DataDirectory</c>, default <c>data</c> (relative to the working directory).</summary>
    public static string DataDirectory(IConfiguration configuration) =>
        configuration["Storage:DataDirectory"] is { Length: > 0 } directory ? directory : "data";

    /// <summary><see cref="PostgresStorageOptions"/> from <c>Storage:Postgres</c>, the connection string from <c>ConnectionStrings:Postgres</c>.</summary>
    internal static void BindPostgresOptions(this IServiceCollection services, IConfiguration configuration) =>
        services.AddOptions<PostgresStorageOptions>()
            .Bind(configuration.GetSection(PostgresStorageOptions.SectionName))
            .Configure(options =>
            {
                if (configuration.GetConnectionString("Postgres") is { Length: > 0 } connectionString)
                {
                    options.ConnectionString = connectionString;
                }
            });

    /// <summary><see cref="AzureStorageOptions"/> from <c>Storage:Azure</c>, the connection string from <c>ConnectionStrings:AzureStorage</c>.</summary>
    internal static void BindAzureOptions(this IServiceCollection services, IConfiguration configuration) =>
        services.AddOptions<AzureStorageOptions>()
            .Bind(configuration.GetSection(AzureStorageOptions.SectionName))
            .Configure(options =>
            {
                if (configuration.GetConnectionString("AzureStorage") is { Length: > 0 } connectionString)
                {
                    options.ConnectionString = connectionString;
                }
            });

    /// <summary>SQLite over one database file (default <c>data/chat.db</c>): grain state, reminders, the message log and the rosters.</summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, Action<SqliteStorageOptions>? configure = null)
    {
        var options = services.AddOptions<SqliteStorageOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<JsonGrainStateSerializer>();
        services.AddSingleton<SqliteStore>();
        services.AddSingleton<SqliteStoreLifetime>();
        services.AddHostedService(static sp => sp.GetRequiredService<SqliteStoreLifetime>());
        services.AddSingleton<IStorageProbe>(static sp => sp.GetRequiredService<SqliteStoreLifetime>());
        services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, static (sp, _) => ActivatorUtilities.CreateInstance<SqliteGrainStorage>(sp));
        services.AddSingleton<IReminderTable, SqliteReminderTable>();
        services.AddSingleton<IMessageLog, SqliteMessageLog>();
        services.AddSingleton<IMessageSearch, SqliteMessageSearch>();
        services.AddSingleton<IRosterStore, SqliteRosterStore>();
        return services.AddStorageHealthCheck();
    }

    /// <summary>
    /// PostgreSQL (<see cref="PostgresStorageOptions.ConnectionString"/>): our group-commit grain state, message log and rosters.
    /// In a silo, <see cref="UseChatStorage"/> adds Orleans' ADO.NET reminder table on the tables our migration creates.
    /// </summary>
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, Action<PostgresStorageOptions>? configure = null)
    {
        var options = services.AddOptions<PostgresStorageOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<JsonGrainStateSerializer>();
        services.AddSingleton<PostgresStore>();
        services.AddSingleton<PostgresStoreLifetime>();
        services.AddHostedService(static sp => sp.GetRequiredService<PostgresStoreLifetime>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(static sp => sp.GetRequiredService<PostgresStoreLifetime>());
        services.AddSingleton<IStorageProbe>(static sp => sp.GetRequiredService<PostgresStoreLifetime>());
        services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, static (sp, _) => ActivatorUtilities.CreateInstance<PostgresGrainStorage>(sp));
        services.AddSingleton<IMessageLog, PostgresMessageLog>();
        services.AddSingleton<IMessageSearch, PostgresMessageSearch>();
        services.AddSingleton<IRosterStore, PostgresRosterStore>();
        return services.AddStorageHealthCheck();
    }

    /// <summary>
    /// The message log and the rosters on Azure Table Storage (<see cref="AzureStorageOptions.ConnectionString"/>,
    /// <see cref="AzureStorageOptions.MessageTableName"/>, <see cref="AzureStorageOptions.RosterTableName"/>), with the
    /// health check. In a silo, <see cref="UseChatStorage"/> adds Orleans' Blob grain storage and Table reminders on the
    /// same account.
    /// </summary>
    public static IServiceCollection AddAzureTableMessageLog(this IServiceCollection services, Action<AzureStorageOptions>? configure = null)
    {
        var options = services.AddOptions<AzureStorageOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton<AzureTableMessageLog>();
        services.AddSingleton<IMessageLog>(static sp => sp.GetRequiredService<AzureTableMessageLog>());
        services.AddSingleton<IMessageSearch, UnsupportedMessageSearch>();
        services.AddSingleton<AzureTableMessageLogLifetime>();
        services.AddHostedService(static sp => sp.GetRequiredService<AzureTableMessageLogLifetime>());
        services.AddSingleton<IStorageProbe>(static sp => sp.GetRequiredService<AzureTableMessageLogLifetime>());
        services.AddSingleton<AzureTableRosterStore>();
        services.AddSingleton<IRosterStore>(static sp => sp.GetRequiredService<AzureTableRosterStore>());
        services.AddHostedService<AzureTableRosterStoreLifetime>();
        return services.AddStorageHealthCheck();
    }

    private static IServiceCollection AddStorageHealthCheck(this IServiceCollection services)
    {
        if (!services.Any(static d => d.ServiceType == typeof(StorageHealthCheck)))
        {
            services.AddSingleton<StorageHealthCheck>();
            services.AddHealthChecks().AddCheck<StorageHealthCheck>(HealthCheckName);
        }

        return services;
    }
}
