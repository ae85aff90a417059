using Microsoft.Extensions.Hosting;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>Opens the store (and migrates its schema) when the host starts; the container's disposal drains the write queue.</summary>
internal sealed class SqliteStoreLifetime(SqliteStore store) : IHostedService, IStorageProbe
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Closes nothing: services that stop after this one (a silo registered before the store deactivates its grains and
    /// writes their state while stopping) still need the store. The container disposes it last, and disposing drains
    /// the write queue before closing.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask ProbeAsync(CancellationToken cancellationToken) => await store.PingAsync(cancellationToken).ConfigureAwait(false);
}
