using Microsoft.Extensions.Hosting;

namespace Orleans.Chat.Persistence.AzureStorage;

/// <summary>Creates the roster table when the host starts, so a bad connection string or table name fails start-up.</summary>
internal sealed class AzureTableRosterStoreLifetime(AzureTableRosterStore roster) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => roster.CreateTableAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
