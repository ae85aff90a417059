using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Push;

/// <summary>
/// Sends the pushes user grains hand it, one per silo: a bounded queue, so that a grain never waits for a push service;
/// each push is sent through the <see cref="IPushRouter"/>'s sender for its provider, retried after each of
/// <see cref="PushOptions.RetryDelays"/>, and a dead token is dropped from its user (only if still the same token).
/// Pushes live in memory: those queued or waiting for a retry when the silo stops are lost (a push is a hint; the
/// messages are in history).
/// </summary>
public sealed partial class PushDispatcher(
    IPushRouter router,
    IGrainFactory grains,
    IOptions<PushOptions> options,
    TimeProvider timeProvider,
    ILogger<PushDispatcher> logger) : BackgroundService
{
    private readonly Channel<PushNotification> _queue = Channel.CreateBounded<PushNotification>(
        new BoundedChannelOptions(Math.Max(1, options.Value.QueueCapacity)) { SingleReader = true });

    /// <summary>Not disposed: sends still finishing after the silo stops release it (it holds no wait handle).</summary>
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.MaxConcurrentSends));

    /// <summary>Queues a push without waiting; one that does not fit is dropped and logged.</summary>
    public void Enqueue(PushNotification push)
    {
        ArgumentNullException.ThrowIfNull(push);
        if (!_queue.Writer.TryWrite(push))
        {
            LogQueueFull(logger, push.UserId, push.DeviceId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var push in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await _slots.WaitAsync(stoppingToken);
                _ = SendReleasingAsync(push, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo is stopping.
        }
    }

    private async Task SendReleasingAsync(PushNotification push, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(push, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The silo is stopping: the push is lost.
        }
        catch (Exception exception)
        {
            LogSendFailed(logger, exception, push.UserId, push.DeviceId);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task SendAsync(PushNotification push, CancellationToken cancellationToken)
    {
        var delays = options.Value.EffectiveRetryDelays;
        for (var attempt = 0; ; attempt++)
        {
            PushOutcome outcome;
            try
            {
                outcome = await router.For(push.Provider).SendAsync(push, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogSendFailed(logger, exception, push.UserId, push.DeviceId);
                outcome = PushOutcome.Retry;
            }

            switch (outcome)
            {
                case PushOutcome.Sent:
                    return;
                case PushOutcome.DeadToken:
                    var dropped = await grains.GetGrain<IUserGrain>(push.UserId).DropPushTokenAsync(push.DeviceId, push.Token);
                    LogDeadToken(logger, push.UserId, push.DeviceId, push.Provider, dropped);
                    return;
                case PushOutcome.Retry when attempt < delays.Count:
                    await Task.Delay(delays[attempt], timeProvider, cancellationToken);
                    break;
                default:
                    LogGaveUp(logger, push.UserId, push.DeviceId, push.Provider, outcome, attempt + 1);
                    return;
            }
        }
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Push queue full: a push to user {UserId} device {DeviceId} was dropped")]
    private static partial void LogQueueFull(ILogger logger, string userId, string deviceId);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "A push to user {UserId} device {DeviceId} failed")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string userId, string deviceId);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Information, Message = "The {Provider} token of user {UserId} device {DeviceId} is dead; dropped: {Dropped}")]
    private static partial void LogDeadToken(ILogger logger, string userId, string deviceId, PushProvider provider, bool dropped);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "Gave up a {Provider} push to user {UserId} device {DeviceId}: {Outcome} after {Tries} tries")]
    private static partial void LogGaveUp(ILogger logger, string userId, string deviceId, PushProvider provider, PushOutcome outcome, int tries);
}
