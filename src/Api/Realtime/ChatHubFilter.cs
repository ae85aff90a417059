using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Runtime;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// Every hub invocation: first checks that the caller's session is still active (a signed-out device's open connection
/// is refused and closed, even if the revocation event did not reach this process), then turns our errors into
/// <see cref="HubException"/>s whose message is safe to show and starts with the stable code, e.g.
/// <c>permission-denied: You are not a member of this conversation.</c>. SignalR sends clients
/// <c>An unexpected error occurred invoking 'X' on the server. HubException: permission-denied: ...</c>; other errors
/// stay generic (no details leak).
/// </summary>
internal sealed partial class ChatHubFilter(IGrainFactory grains, ILogger<ChatHubFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            var caller = invocationContext.Context;
            var userId = caller.UserIdentifier;
            var sessionId = caller.User?.FindFirst(ChatClaims.SessionId)?.Value;
            if (userId is null || sessionId is null || !await grains.GetGrain<IUserGrain>(userId).IsSessionActiveAsync(sessionId))
            {
                caller.Abort();
                throw new UnauthenticatedException("The session has ended; sign in again.");
            }

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
