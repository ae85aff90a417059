using Microsoft.Extensions.Hosting;

namespace Orleans.Chat.Persistence.Postgres;

/// <summary>Migrates the schema when the host starts (so a bad connection string fails start-up); the container's disposal drains the writers.</summary>
internal sealed class PostgresStoreLifetime(PostgresStore store) : IHostedService, IStorageProbe
{
    public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

    /// <summary>
    /// Closes nothing: services that stop after this one (a silo registered before the store deactivates its grains and
    /// writes their state while stopping) still need the store. The container disposes it last, and disposing drains
    /// the write queue before closing.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask ProbeAsync(CancellationToken cancellationToken) => store.PingAsync(cancellationToken);
}
