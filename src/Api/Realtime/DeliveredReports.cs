using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// Delivered receipts of what this process pushed: a message written to one of a recipient's connections counts as
/// delivered to that recipient. They are collected here and reported once per
/// <see cref="RealtimeOptions.DeliveredReportPeriod"/>, one call per conversation for all its recipients served here,
/// instead of one call per recipient per message; the conversation stores and announces them in one flush as well.
/// </summary>
public sealed partial class DeliveredReports(
    IGrainFactory grains,
    IOptions<RealtimeOptions> options,
    ILogger<DeliveredReports> logger) : BackgroundService
{
    /// <summary>How many conversations a report calls at once.</summary>
    private const int ReportConcurrency = 64;

    private readonly Lock _gate = new();

    /// <summary>Conversation id → recipient → highest sortNumber pushed; swapped for a new one by each report.</summary>
    private Dictionary<string, Dictionary<string, long>> _pending = new(StringComparer.Ordinal);

    /// <summary>Notes that the recipients' devices here were sent the message at <paramref name="sortNumber"/>.</summary>
    public void Note(string conversationId, IEnumerable<string> recipientIds, long sortNumber)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(conversationId, out var recipients))
            {
                _pending[conversationId] = recipients = new(StringComparer.Ordinal);
            }

            foreach (var recipientId in recipientIds)
            {
                if (sortNumber > recipients.GetValueOrDefault(recipientId))
                {
                    recipients[recipientId] = sortNumber;
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.DeliveredReportPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await ReportAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // What was pushed before the host stopped still counts.
        await ReportAsync(CancellationToken.None);
    }

    private Task ReportAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, Dictionary<string, long>> due;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return Task.CompletedTask;
            }

            (due, _pending) = (_pending, new(StringComparer.Ordinal));
        }

        return Parallel.ForEachAsync(
            due,
            new ParallelOptions { MaxDegreeOfParallelism = ReportConcurrency, CancellationToken = cancellationToken },
            async (conversation, _) =>
            {
                try
                {
                    DeliveredMark[] marks = [.. conversation.Value.Select(r => new DeliveredMark(r.Key, r.Value))];
                    await ChatConversations.Get(grains, conversation.Key).MarkDeliveredManyAsync(marks);
                }
                catch (Exception exception)
                {
                    // A lost report only leaves receipts behind: the next message's report carries them on, and a device
                    // that reads history on catch-up reports its own.
                    LogReportFailed(logger, exception, conversation.Key);
                }
            });
    }

    [LoggerMessage(EventId = 4408, Level = LogLevel.Warning, Message = "Could not report delivered receipts to conversation {ConversationId}")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string conversationId);
}
