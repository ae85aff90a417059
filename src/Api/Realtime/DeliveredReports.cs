using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// Delivered receipts of what this process pushed: a message written to one of a recipient's connections counts as
/// delivered to that recipient. They are collected here and reported after <see cref="RealtimeOptions.DeliveredReportDelay"/>,
/// one call per conversation for all its recipients served here, instead of one call per recipient per message; the
/// conversation stores and announces them in one flush as well. A busy conversation is reported at most once per
/// <see cref="RealtimeOptions.DeliveredReportInterval"/>: each report costs the conversation a state write and a push
/// to the sender, which at a message a second per conversation would cost half as much again as the messages.
/// </summary>
public sealed partial class DeliveredReports(
    IGrainFactory grains,
    IOptions<RealtimeOptions> options,
    TimeProvider timeProvider,
    ILogger<DeliveredReports> logger) : BackgroundService
{
    /// <summary>How many conversations a report calls at once.</summary>
    private const int ReportConcurrency = 64;

    private readonly Lock _gate = new();

    /// <summary>Conversation id → recipient → highest sortNumber pushed, not reported yet.</summary>
    private readonly Dictionary<string, Dictionary<string, long>> _pending = new(StringComparer.Ordinal);

    /// <summary>When each conversation reported within the last interval was reported (only the reporting loop uses it).</summary>
    private readonly Dictionary<string, DateTimeOffset> _reportedAt = new(StringComparer.Ordinal);

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
        using var timer = new PeriodicTimer(options.Value.DeliveredReportDelay, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await ReportAsync(all: false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // What was pushed before the host stopped still counts.
        await ReportAsync(all: true);
    }

    /// <summary>Reports the conversations not reported within the interval (all of them, with <paramref name="all"/>).</summary>
    internal Task ReportAsync(bool all)
    {
        var now = timeProvider.GetUtcNow();
        // Removing while enumerating is allowed for Dictionary since .NET Core 3.0: no copy of thousands of entries a second.
        foreach (var (conversationId, at) in _reportedAt)
        {
            if (now - at >= options.Value.DeliveredReportInterval)
            {
                _reportedAt.Remove(conversationId);
            }
        }

        var due = new List<KeyValuePair<string, Dictionary<string, long>>>();
        lock (_gate)
        {
            foreach (var conversation in _pending)
            {
                if (all || !_reportedAt.ContainsKey(conversation.Key))
                {
                    due.Add(conversation);
                }
            }

            foreach (var conversation in due)
            {
                _pending.Remove(conversation.Key);
                _reportedAt[conversation.Key] = now;
            }
        }

        return Parallel.ForEachAsync(
            due,
            new ParallelOptions { MaxDegreeOfParallelism = ReportConcurrency },
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
