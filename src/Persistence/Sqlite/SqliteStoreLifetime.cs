using Microsoft.Extensions.Hosting;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>Opens the store (and migrates its schema) when the host starts; drains the write queue when it stops.</summary>
internal sealed class SqliteStoreLifetime(SqliteStore store) : IHostedService, IStorageProbe
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await store.DisposeAsync().ConfigureAwait(false);

    public async ValueTask ProbeAsync(CancellationToken cancellationToken) => await store.PingAsync(cancellationToken).ConfigureAwait(false);
}
