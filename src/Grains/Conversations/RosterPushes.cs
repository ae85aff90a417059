using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A conversation's pushes to its members' user grains: one ordered chain per member, so that a member's roster and
/// devices see the changes in the order the conversation made them, although nobody waits for them (Orleans does
/// not keep two calls from one grain to another in order). A failed background push is tried again a few times; views
/// are absolute, so a late or repeated one changes nothing, and a push that never lands is repaired by the next one or
/// by the conversation's next activation. A push the caller waits for is not retried: its failure is the caller's
/// error, and the caller's retry (idempotent by client message id) pushes again.
/// </summary>
internal sealed partial class RosterPushes(IGrainFactory grains, ILogger logger)
{
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal);

    /// <summary>Queues the update behind the member's earlier ones, to be retried in the background if it fails.</summary>
    public void Push(ConversationUpdate update) => Enqueue(update, RetryDelays.Length);

    /// <summary>Queues the update behind the member's earlier ones; the task fails if the push does.</summary>
    public Task PushAndWait(ConversationUpdate update) => Enqueue(update, retries: 0);

    private Task Enqueue(ConversationUpdate update, int retries)
    {
        var previous = _tails.GetValueOrDefault(update.UserId) ?? Task.CompletedTask;
        var next = PushAfterAsync(previous, update, retries);
        _tails[update.UserId] = next;
        return next;
    }

    private async Task PushAfterAsync(Task previous, ConversationUpdate update, int retries)
    {
        try
        {
            await previous;
        }
        catch (Exception)
        {
            // The earlier push failed its caller, who was told; the order holds either way.
        }

        var user = grains.GetGrain<IUserGrain>(update.UserId);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await user.ApplyConversationUpdateAsync(update);
                return;
            }
            catch (Exception exception) when (attempt < retries)
            {
                LogPushRetried(logger, exception, update.View.Id, update.UserId);
                await Task.Delay(RetryDelays[attempt]);
            }
            catch (Exception exception) when (retries > 0)
            {
                LogPushFailed(logger, exception, update.View.Id, update.UserId);
                return;
            }
        }
    }

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Conversation {ConversationId} will push to user {UserId} again")]
    private static partial void LogPushRetried(ILogger logger, Exception exception, string conversationId, string userId);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Conversation {ConversationId} gave up pushing a change to user {UserId}; the next change carries it")]
    private static partial void LogPushFailed(ILogger logger, Exception exception, string conversationId, string userId);
}
