using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Api.Errors;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// Every hub invocation: turns our errors into <see cref="HubException"/>s whose message is safe to show and starts with
/// the stable code, e.g. <c>permission-denied: You are not a member of this conversation.</c>, and a cluster that cannot
/// answer in time into <c>unavailable: …</c>. SignalR sends clients
/// <c>An unexpected error occurred invoking 'X' on the server. HubException: permission-denied: ...</c>; other errors
/// stay generic (no details leak). The session is not checked again here: it was checked when the connection was made,
/// and ending a session closes its connections.
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
        catch (Exception exception) when (ClusterUnavailable.Is(exception))
        {
            LogMapped(logger, invocationContext.HubMethodName, ErrorCodes.Unavailable);
            throw new HubException($"{ErrorCodes.Unavailable}: {ClusterUnavailable.Detail}");
        }
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Debug, Message = "Hub method {Method} failed with {Code}")]
    private static partial void LogMapped(ILogger logger, string method, string code);
}
