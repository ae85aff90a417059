using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// Turns our errors into <see cref="HubException"/>s whose message is safe to show and starts with the stable code,
/// e.g. <c>permission-denied: You are not a member of this conversation.</c>. SignalR sends clients
/// <c>An unexpected error occurred invoking 'X' on the server. HubException: permission-denied: ...</c>; other errors
/// stay generic (no details leak).
/// </summary>
internal sealed partial class ChatHubFilter(ILogger<ChatHubFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (ChatException exception)
        {
            LogMapped(logger, invocationContext.HubMethodName, exception.Code);
            throw new HubException($"{exception.Code}: {exception.Message}");
        }
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Debug, Message = "Hub method {Method} failed with {Code}")]
    private static partial void LogMapped(ILogger logger, string method, string code);
}
