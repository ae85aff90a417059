using Microsoft.Extensions.Options;

namespace Orleans.Chat.Api.Realtime;

/// <summary>Renews the observer subscriptions of every connected user on a <see cref="PeriodicTimer"/>.</summary>
internal sealed partial class UserSubscriptionRenewal(
    UserConnections connections,
    IOptions<RealtimeOptions> options,
    ILogger<UserSubscriptionRenewal> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SubscriptionRenewalPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await connections.RenewAllAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped(logger);
        }
    }

    [LoggerMessage(EventId = 4501, Level = LogLevel.Debug, Message = "Subscription renewal stopped")]
    private static partial void LogStopped(ILogger logger);
}
