using Microsoft.Extensions.Hosting;

namespace Orleans.Chat.Persistence.AzureStorage;

/// <summary>
/// Creates the message-log table when the host starts (so a bad connection string fails start-up), and answers the
/// "storage" health check. The container's disposal drains the log's writers.
/// </summary>
internal sealed class AzureTableMessageLogLifetime(AzureTableMessageLog log) : IHostedService, IStorageProbe
{
    public Task StartAsync(CancellationToken cancellationToken) => log.CreateTableAsync(cancellationToken);

    /// <summary>Closes nothing: grains deactivating after this service stopped may still append.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask ProbeAsync(CancellationToken cancellationToken) => log.PingAsync(cancellationToken);
}
