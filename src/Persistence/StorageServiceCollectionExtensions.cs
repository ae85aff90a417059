using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence.InMemory;
using Orleans.Chat.Persistence.Postgres;
using Orleans.Chat.Persistence.Sqlite;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence;

/// <summary>
/// Registers <see cref="IGrainStorage"/>, <see cref="IReminderTable"/> and <see cref="IMessageLog"/> (singletons) for one
/// store, plus the "storage" health check. The providers need an <see cref="IGrainStateSerializer"/> from DI.
/// </summary>
public static class StorageServiceCollectionExtensions
{
    public const string HealthCheckName = "storage";

    /// <summary>In-memory providers, for logic tests: same semantics as the durable ones, nothing survives the process.</summary>
    public static IServiceCollection AddInMemoryStorage(this IServiceCollection services)
    {
        services.AddSingleton<IGrainStorage, InMemoryGrainStorage>();
        services.AddSingleton<IReminderTable, InMemoryReminderTable>();
        services.AddSingleton<IMessageLog, InMemoryMessageLog>();
        services.AddSingleton<IStorageProbe, InMemoryStorageProbe>();
        return services.AddStorageHealthCheck();
    }

    /// <summary>The SQLite providers over one database file (default <c>data/chat.db</c>).</summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, Action<SqliteStorageOptions>? configure = null)
    {
        var options = services.AddOptions<SqliteStorageOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton<SqliteStore>();
        services.AddSingleton<SqliteStoreLifetime>();
        services.AddHostedService(static sp => sp.GetRequiredService<SqliteStoreLifetime>());
        services.AddSingleton<IStorageProbe>(static sp => sp.GetRequiredService<SqliteStoreLifetime>());
        services.AddSingleton<IGrainStorage, SqliteGrainStorage>();
        services.AddSingleton<IReminderTable, SqliteReminderTable>();
        services.AddSingleton<IMessageLog, SqliteMessageLog>();
        return services.AddStorageHealthCheck();
    }

    /// <summary>The PostgreSQL providers; the connection string is <see cref="PostgresStorageOptions.ConnectionString"/>.</summary>
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, Action<PostgresStorageOptions>? configure = null)
    {
        var options = services.AddOptions<PostgresStorageOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton<PostgresStore>();
        services.AddSingleton<PostgresStoreLifetime>();
        services.AddHostedService(static sp => sp.GetRequiredService<PostgresStoreLifetime>());
        services.AddSingleton<IStorageProbe>(static sp => sp.GetRequiredService<PostgresStoreLifetime>());
        services.AddSingleton<IGrainStorage, PostgresGrainStorage>();
        services.AddSingleton<IReminderTable, PostgresReminderTable>();
        services.AddSingleton<IMessageLog, PostgresMessageLog>();
        return services.AddStorageHealthCheck();
    }

    /// <summary>
    /// Picks the store from configuration: <c>Storage:Provider</c> = <c>Sqlite</c> (default) | <c>Postgres</c> | <c>InMemory</c>.
    /// SQLite reads <c>ConnectionStrings:Sqlite</c> (its Data Source) or <c>Storage:Sqlite:Path</c>, and the rest of
    /// <c>Storage:Sqlite</c>; PostgreSQL reads <c>ConnectionStrings:Postgres</c> and <c>Storage:Postgres</c>.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = configuration["Storage:Provider"];
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
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
            return services.AddSqliteStorage();
        }

        if (provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase) || provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase))
        {
            services.AddOptions<PostgresStorageOptions>()
                .Bind(configuration.GetSection(PostgresStorageOptions.SectionName))
                .Configure(options =>
                {
                    if (configuration.GetConnectionString("Postgres") is { Length: > 0 } connectionString)
                    {
                        options.ConnectionString = connectionString;
                    }
                });
            return services.AddPostgresStorage();
        }

        if (provider.Equals("InMemory", StringComparison.OrdinalIgnoreCase))
        {
            return services.AddInMemoryStorage();
        }

        throw new OptionsValidationException(
            "Storage:Provider",
            typeof(string),
            [$"Storage:Provider is '{provider}'; it must be Sqlite, Postgres or InMemory."]);
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
