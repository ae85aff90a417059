using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace Orleans.Chat.Persistence.Postgres;

/// <summary>
/// Migrates the schema when the host starts (so a bad connection string fails start-up) and, in a silo, before Orleans'
/// storage services start (the ADO.NET reminder table reads the queries the migration stores). The container's disposal
/// drains the writers.
/// </summary>
internal sealed class PostgresStoreLifetime(PostgresStore store) : IHostedService, IStorageProbe, ILifecycleParticipant<ISiloLifecycle>
{
    public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

    /// <summary>
    /// Closes nothing: services that stop after this one (a silo registered before the store deactivates its grains and
    /// writes their state while stopping) still need the store. The container disposes it last, and disposing drains
    /// the write queue before closing.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask ProbeAsync(CancellationToken cancellationToken) => store.PingAsync(cancellationToken);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresStoreLifetime), ServiceLifecycleStage.RuntimeInitialize, store.MigrateAsync);
}
