using Microsoft.Extensions.Hosting;
using Orleans.Chat.Runtime.Catalog;
using Orleans.Chat.Runtime.Reminders;

namespace Orleans.Chat.Runtime.Hosting;

/// <summary>
/// The silo's part of the host's life. Reminders load once every hosted service has started (so a storage
/// provider that prepares its schema on start is ready), and every activation is deactivated while the host is
/// stopping, before any hosted service's StopAsync runs (so OnDeactivateAsync can still write to storage that
/// stops with the host), whatever order the services were registered in.
/// </summary>
internal sealed class SiloHostedService(GrainCatalog catalog, ReminderService reminders) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => reminders.StartAsync(cancellationToken);

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        reminders.Stop();
        await catalog.DeactivateAllAsync(new DeactivationReason(DeactivationReasonCode.ShuttingDown, "The silo is stopping."), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
