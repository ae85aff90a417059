using Microsoft.Extensions.Hosting;

namespace Orleans.Chat.Persistence.Postgres;

/// <summary>Migrates the schema when the host starts (so a bad connection string fails start-up); drains the writers when it stops.</summary>
internal sealed class PostgresStoreLifetime(PostgresStore store) : IHostedService, IStorageProbe
{
    public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await store.DisposeAsync().ConfigureAwait(false);

    public ValueTask ProbeAsync(CancellationToken cancellationToken) => store.PingAsync(cancellationToken);
}
