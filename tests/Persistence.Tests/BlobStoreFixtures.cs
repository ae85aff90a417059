using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>A blob store for the blob contract, and a look behind it for what a failed write may have left.</summary>
public interface IBlobStoreFixture
{
    IBlobStore Blobs { get; }

    /// <summary>Whatever the store holds of the blob beyond what <see cref="IBlobStore"/> shows (temporary files, rows), described.</summary>
    Task<IReadOnlyList<string>> LeftoversAsync(string name);
}

/// <summary>One blob store per test class, built through its public registration method on a plain service collection.</summary>
public abstract class BlobStoreFixture : IBlobStoreFixture, IAsyncLifetime
{
    private ServiceProvider? _services;

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("The fixture is not initialized.");

    public IBlobStore Blobs => Services.GetRequiredService<IBlobStore>();

    public virtual Task<IReadOnlyList<string>> LeftoversAsync(string name) => Task.FromResult<IReadOnlyList<string>>([]);

    protected abstract void AddBlobStore(IServiceCollection services);

    public virtual async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        AddBlobStore(services);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        foreach (var hosted in _services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }
}

public sealed class InMemoryBlobStoreFixture : BlobStoreFixture
{
    protected override void AddBlobStore(IServiceCollection services) => services.AddSingleton<IBlobStore, Blobs.InMemoryBlobStore>();
}

/// <summary>Files in a temporary directory; a failed write must not leave its temporary file there either.</summary>
public sealed class FileBlobStoreFixture : BlobStoreFixture
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "orleans-chat-tests", TestData.NewKey(), "attachments");

    protected override void AddBlobStore(IServiceCollection services) => services.AddFileBlobStore(options => options.Directory = Directory);

    public override Task<IReadOnlyList<string>> LeftoversAsync(string name) =>
        Task.FromResult<IReadOnlyList<string>>(System.IO.Directory.Exists(Directory)
            ? [.. System.IO.Directory.EnumerateFiles(Directory, name + "*")]
            : []);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        var root = Path.GetDirectoryName(Directory)!;
        if (System.IO.Directory.Exists(root))
        {
            System.IO.Directory.Delete(root, recursive: true);
        }
    }
}

/// <summary>The PostgreSQL store's blob tables in a schema of their own; a failed write must not leave rows behind.</summary>
public sealed class PostgresBlobStoreFixture : BlobStoreFixture
{
    private bool _initialized;

    public string Schema { get; } = PostgresTestDatabase.NewSchema();

    protected override void AddBlobStore(IServiceCollection services) =>
        services.AddPostgresBlobStore(options =>
        {
            options.ConnectionString = PostgresTestDatabase.ConnectionString;
            options.Schema = Schema;
        });

    public override async Task<IReadOnlyList<string>> LeftoversAsync(string name)
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgresTestDatabase.ConnectionString);
        await using var command = dataSource.CreateCommand(
            $"SELECT 'blobs row' FROM \"{Schema}\".blobs WHERE name = $1 UNION ALL SELECT 'chunk ' || seq FROM \"{Schema}\".blob_chunks WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

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

/// <summary>
/// A fresh container on Azurite. Blocks a failed write staged stay uncommitted, invisible, and the service drops them;
/// what must not remain is a committed blob, which the contract checks through the store itself.
/// </summary>
public sealed class AzureBlobStoreFixture : BlobStoreFixture
{
    private bool _initialized;

    public string Container { get; } = AzuriteTestStorage.NewContainerName();

    protected override void AddBlobStore(IServiceCollection services) =>
        services.AddAzureBlobStore(options =>
        {
            options.ConnectionString = AzuriteTestStorage.ConnectionString;
            options.BlobContainerName = Container;
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
            await AzuriteTestStorage.Container(Container).DeleteIfExistsAsync();
        }
    }
}
