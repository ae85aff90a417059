using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Push;

/// <summary>The default sender: one log line per push, without its token, keys or text.</summary>
public sealed partial class LoggingPushSender(ILogger<LoggingPushSender> logger) : IPushSender
{
    public ValueTask<PushOutcome> SendAsync(PushNotification push, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(push);
        LogPush(logger, push.Provider, push.UserId, push.DeviceId, push.ConversationId, push.SortNumber, push.Badge);
        return ValueTask.FromResult(PushOutcome.Sent);
    }

    [LoggerMessage(EventId = 7110, Level = LogLevel.Information, Message = "Push ({Provider}) to user {UserId} device {DeviceId}: conversation {ConversationId} message {SortNumber}, badge {Badge}")]
    private static partial void LogPush(ILogger logger, PushProvider provider, string userId, string deviceId, string conversationId, long sortNumber, int badge);
}
