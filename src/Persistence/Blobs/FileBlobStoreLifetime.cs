using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orleans.Chat.Persistence.Blobs;

/// <summary>At start-up, before any upload, removes the temporary files a killed process left in the blob directory.</summary>
internal sealed partial class FileBlobStoreLifetime(FileBlobStore store, ILogger<FileBlobStoreLifetime> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (store.RemoveTemporaryFiles() is > 0 and var removed)
        {
            LogRemoved(logger, removed);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Removed {Count} temporary files of unfinished blob writes")]
    private static partial void LogRemoved(ILogger logger, int count);
}
