using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// Renews the observer subscriptions of every connected user every <see cref="RealtimeOptions.SubscriptionRenewalPeriod"/>,
/// and soon after the cluster loses a silo: the user grains that lived there come back elsewhere with no observers, so
/// waiting for the next period would leave their users' devices without events for up to a minute. The cluster change
/// comes from the client's gateway count (an API host in client mode) or from membership (a silo in this process).
/// </summary>
internal sealed partial class UserSubscriptionRenewal(
    UserConnections connections,
    IOptions<RealtimeOptions> options,
    IServiceProvider services,
    ILogger<UserSubscriptionRenewal> logger) : BackgroundService, IClusterConnectionStatusObserver
{
    /// <summary>
    /// When to renew after a cluster change: the lost silo's grains are reachable again once membership declares it dead
    /// (a few seconds with the probe settings of ChatClustering), so try soon and then twice more.
    /// </summary>
    private static readonly TimeSpan[] AfterClusterChange = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10)];

    private readonly Channel<bool> _clusterChanges = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for renewals soon (see <see cref="AfterClusterChange"/>).</summary>
    public void OnClusterChanged() => _clusterChanges.Writer.TryWrite(true);

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways || connectionRecovered)
        {
            LogGatewaysChanged(logger, previousNumberOfGateways, currentNumberOfGateways);
            OnClusterChanged();
        }
    }

    public void NotifyClusterConnectionLost() => OnClusterChanged();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watch = WatchMembershipAsync(stoppingToken);
        var period = options.Value.SubscriptionRenewalPeriod;
        var nextPeriodic = DateTimeOffset.UtcNow + period;
        var soon = new Queue<DateTimeOffset>();
        try
        {
            while (true)
            {
                var due = soon.Count > 0 && soon.Peek() < nextPeriodic ? soon.Peek() : nextPeriodic;
                var wait = due - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var changed = _clusterChanges.Reader.WaitToReadAsync(waiting.Token).AsTask();
                    if (await Task.WhenAny(changed, Task.Delay(wait, waiting.Token)) == changed && await changed)
                    {
                        _clusterChanges.Reader.TryRead(out _);
                        var now = DateTimeOffset.UtcNow;
                        soon = new Queue<DateTimeOffset>(AfterClusterChange.Select(delay => now + delay));
                    }

                    await waiting.CancelAsync();
                    stoppingToken.ThrowIfCancellationRequested();
                    continue;
                }

                if (soon.Count > 0 && soon.Peek() <= DateTimeOffset.UtcNow)
                {
                    soon.Dequeue();
                }
                else
                {
                    nextPeriodic = DateTimeOffset.UtcNow + period;
                }

                await connections.RenewAllAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped(logger);
        }

        await watch;
    }

    /// <summary>With a silo in this process, a silo that dies is a cluster change.</summary>
    private async Task WatchMembershipAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IClusterMembershipService>() is not { } membership)
        {
            return;
        }

        try
        {
            var dead = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToHashSet();
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var nowDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToHashSet();
                if (!nowDead.IsSubsetOf(dead))
                {
                    OnClusterChanged();
                }

                dead = nowDead;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 4501, Level = LogLevel.Debug, Message = "Subscription renewal stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 4502, Level = LogLevel.Information, Message = "Cluster gateways went from {Previous} to {Current}: renewing subscriptions soon")]
    private static partial void LogGatewaysChanged(ILogger logger, int previous, int current);
}
