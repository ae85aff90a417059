using Microsoft.Extensions.Logging;

namespace Orleans.Chat.Runtime.Hosting;

/// <summary>Every log event of the runtime, with stable event ids.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Activated {GrainId}")]
    public static partial void Activated(ILogger logger, GrainId grainId);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Activation of {GrainId} failed")]
    public static partial void ActivationFailed(ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Deactivated {GrainId} ({ReasonCode})")]
    public static partial void Deactivated(ILogger logger, GrainId grainId, DeactivationReasonCode reasonCode);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "OnDeactivateAsync of {GrainId} failed")]
    public static partial void DeactivationFailed(ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Deactivating {Count} activations")]
    public static partial void DeactivatingAll(ILogger logger, int count);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug, Message = "Collected {Count} idle activations")]
    public static partial void IdleCollected(ILogger logger, int count);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "A work item of {Owner} threw")]
    public static partial void WorkItemFailed(ILogger logger, Exception exception, object owner);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "One-way call {Method} to {GrainId} failed")]
    public static partial void OneWayCallFailed(ILogger logger, Exception exception, string method, GrainId grainId);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Timer callback of {GrainId} failed")]
    public static partial void TimerCallbackFailed(ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Loaded {Count} reminders")]
    public static partial void RemindersLoaded(ILogger logger, int count);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Reminder {ReminderName} of {GrainId} failed")]
    public static partial void ReminderFailed(ILogger logger, Exception exception, string reminderName, GrainId grainId);

    [LoggerMessage(EventId = 1500, Level = LogLevel.Warning, Message = "Observer call {Method} to {ObserverId} failed")]
    public static partial void ObserverCallFailed(ILogger logger, Exception exception, string method, GrainId observerId);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Dropped observer {Observer} after it failed")]
    public static partial void ObserverDropped(ILogger logger, Exception exception, object observer);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Debug, Message = "Subscription of observer {Observer} expired")]
    public static partial void ObserverExpired(ILogger logger, object observer);
}
