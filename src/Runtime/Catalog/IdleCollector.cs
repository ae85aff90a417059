using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Chat.Runtime.Hosting;

namespace Orleans.Chat.Runtime.Catalog;

/// <summary>Every <see cref="GrainCollectionOptions.CollectionQuantum"/>, deactivates activations idle for <see cref="GrainCollectionOptions.CollectionAge"/>.</summary>
internal sealed class IdleCollector(GrainCatalog catalog, IOptions<GrainCollectionOptions> options, ILogger<IdleCollector> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.CollectionQuantum);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var collected = catalog.CollectIdle(settings.CollectionAge);
                if (collected > 0)
                {
                    RuntimeLog.IdleCollected(logger, collected);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
