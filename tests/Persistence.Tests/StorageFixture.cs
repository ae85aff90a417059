using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Persistence.InMemory;
using Orleans.Chat.Persistence.Sqlite;
using Orleans.Providers;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>A store whose message log the log contract runs against.</summary>
public interface IMessageLogFixture
{
    IMessageLog Log { get; }
}

/// <summary>A store whose Orleans grain storage the grain-state contract runs against.</summary>
public interface IGrainStorageFixture
{
    IGrainStorage GrainStorage { get; }
}

/// <summary>A store whose Orleans reminder table the reminder contract runs against.</summary>
public interface IReminderTableFixture
{
    IReminderTable Reminders { get; }
}

/// <summary>A store whose rosters the roster contract runs against, and that can be closed and opened again on its database.</summary>
public interface IRosterStoreFixture
{
    IRosterStore Roster { get; }

    /// <summary>Disposes the store and opens a new one on the same database; <see cref="Roster"/> is then the new one's.</summary>
    Task ReopenAsync();
}

/// <summary>A store whose message index the search contract runs against.</summary>
public interface IMessageSearchFixture
{
    IMessageSearch Search { get; }
}

/// <summary>One store per test class, built through the public registration methods on a plain service collection.</summary>
public abstract class StorageFixture : IAsyncLifetime, IMessageLogFixture, IGrainStorageFixture, IReminderTableFixture, IRosterStoreFixture, IMessageSearchFixture
{
    private ServiceProvider? _services;

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>The default grain storage, as Orleans resolves it for a grain without a named provider.</summary>
    public IGrainStorage GrainStorage => Services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);

    public IReminderTable Reminders => Services.GetRequiredService<IReminderTable>();

    public IMessageLog Log => Services.GetRequiredService<IMessageLog>();

    public IRosterStore Roster => Services.GetRequiredService<IRosterStore>();

    public IMessageSearch Search => Services.GetRequiredService<IMessageSearch>();

    /// <summary>Whether the container checks on build that every registered service can be constructed.</summary>
    protected abstract void AddStorage(IServiceCollection services);

    public virtual Task InitializeAsync()
    {
        _services = Build();
        return Task.CompletedTask;
    }

    public async Task ReopenAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        _services = Build();
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTestJsonResolver();
        AddStorage(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public virtual async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }
}

/// <summary>
/// The in-memory message log, constructed directly: in-memory grain state and reminders are Orleans' own (registered
/// on a silo by <c>UseChatStorage</c>), so only the log is ours to prove.
/// </summary>
public sealed class InMemoryMessageLogFixture : IMessageLogFixture
{
    public IMessageLog Log { get; } = new InMemoryMessageLog();
}

/// <summary>The in-memory message index, constructed directly (the grain and API tests run on it).</summary>
public sealed class InMemoryMessageSearchFixture : IMessageSearchFixture
{
    public IMessageSearch Search { get; } = new InMemoryMessageSearch();
}

public class SqliteStorageFixture : StorageFixture
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "orleans-chat-tests", TestData.NewKey());

    protected virtual void Configure(SqliteStorageOptions options)
    {
    }

    protected override void AddStorage(IServiceCollection services) =>
        services.AddSqliteStorage(options =>
        {
            options.Path = Path.Combine(Directory, "chat.db");
            Configure(options);
        });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

/// <summary>SQLite with a journal checkpoint after every few appends, so reads constantly combine the journal and the log mid-move.</summary>
public sealed class SqliteFrequentCheckpointFixture : SqliteStorageFixture
{
    protected override void Configure(SqliteStorageOptions options)
    {
        options.JournalCheckpointRows = 3;
        options.JournalCheckpointChunk = 2;
    }
}

public sealed class PostgresStorageFixture : StorageFixture
{
    private bool _initialized;

    public string Schema { get; } = "t_" + TestData.NewKey();

    protected override void AddStorage(IServiceCollection services) =>
        services.AddPostgresStorage(options =>
        {
            options.ConnectionString = PostgresTestDatabase.ConnectionString;
            options.Schema = Schema;
        });

    public override async Task InitializeAsync()
    {
        _ = PostgresTestDatabase.ConnectionString; // fails here, with the reason, when the variable is unset
        await base.InitializeAsync();
        _initialized = true;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_initialized)
        {
            await PostgresTestDatabase.DropSchemaAsync(Schema);
        }
    }
}

/// <summary>The test server comes from ORLEANS_CHAT_TEST_POSTGRES (scripts/postgres.sh start sets it); without it the PostgreSQL tests fail.</summary>
public static class PostgresTestDatabase
{
    public const string Variable = "ORLEANS_CHAT_TEST_POSTGRES";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL tests cannot run. Start a throwaway server with "
                + "`eval \"$(scripts/postgres.sh start)\"` (scripts/test.sh does this) or point the variable at a test database.");

    public static string NewSchema() => "t_" + TestData.NewKey();

    public static async Task DropSchemaAsync(string schema)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(ConnectionString);
        // The schema is generated by the tests ("t_" and hex digits), never user input.
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        await command.ExecuteNonQueryAsync();
    }
}
