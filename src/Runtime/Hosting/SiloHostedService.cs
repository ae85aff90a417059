using Microsoft.Extensions.Hosting;
using Orleans.Chat.Runtime.Catalog;
using Orleans.Chat.Runtime.Reminders;

namespace Orleans.Chat.Runtime.Hosting;

/// <summary>Starts the reminder service with the host; on stop, stops reminders and deactivates every activation.</summary>
internal sealed class SiloHostedService(GrainCatalog catalog, ReminderService reminders) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => reminders.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        reminders.Stop();
        await catalog.DeactivateAllAsync(new DeactivationReason(DeactivationReasonCode.ShuttingDown, "The silo is stopping."), cancellationToken);
    }
}
