using System.Security.Claims;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Auth;

/// <summary>
/// Runs after authentication: a token whose session was signed out (or replaced) stops working at once. The check is
/// one read-only call to the user grain, which holds its sessions in memory.
/// </summary>
internal sealed partial class SessionValidationMiddleware(RequestDelegate next, ILogger<SessionValidationMiddleware> logger)
{
    /// <summary>Set in <see cref="HttpContext.Items"/> when the token was fine but its session has ended (reason <c>revoked</c>).</summary>
    public const string RevokedItem = "chat.session-revoked";

    public async Task InvokeAsync(HttpContext context, IGrainFactory grains)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true
            && user.FindFirstValue(ChatClaims.UserId) is { } userId
            && user.FindFirstValue(ChatClaims.SessionId) is { } sessionId
            && !await grains.GetGrain<IUserGrain>(userId).IsSessionActiveAsync(sessionId))
        {
            LogRevokedSession(logger, userId, sessionId);
            context.Items[RevokedItem] = true;

            // Setting User also drops the cached authenticate result, so authorization sees an anonymous caller (401).
            context.User = new ClaimsPrincipal(new ClaimsIdentity());
        }

        await next(context);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Rejected a token of user {UserId}: session {SessionId} is no longer active")]
    private static partial void LogRevokedSession(ILogger logger, string userId, string sessionId);
}
