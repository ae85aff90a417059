using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>One store per test class, built through the public registration methods.</summary>
public abstract class StorageFixture : IAsyncLifetime
{
    private ServiceProvider? _services;

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("The fixture is not initialized.");

    public IGrainStorage GrainStorage => Services.GetRequiredService<IGrainStorage>();

    public IReminderTable Reminders => Services.GetRequiredService<IReminderTable>();

    public IMessageLog Log => Services.GetRequiredService<IMessageLog>();

    protected abstract void AddStorage(IServiceCollection services);

    public virtual Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IGrainStateSerializer, TestGrainStateSerializer>();
        AddStorage(services);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }
}

public sealed class InMemoryStorageFixture : StorageFixture
{
    protected override void AddStorage(IServiceCollection services) => services.AddInMemoryStorage();
}

public sealed class SqliteStorageFixture : StorageFixture
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "orleans-chat-tests", TestData.NewKey());

    protected override void AddStorage(IServiceCollection services) =>
        services.AddSqliteStorage(options => options.Path = Path.Combine(Directory, "chat.db"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
