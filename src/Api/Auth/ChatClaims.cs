using System.Security.Claims;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Auth;

/// <summary>What a user access token carries: the user id (also SignalR's user identifier) and the session id.</summary>
public static class ChatClaims
{
    public const string UserId = ClaimTypes.NameIdentifier;
    public const string SessionId = ClaimTypes.Sid;

    public static ClaimsPrincipal CreatePrincipal(string userId, string sessionId, string authenticationType) =>
        new(new ClaimsIdentity([new Claim(UserId, userId), new Claim(SessionId, sessionId)], authenticationType, UserId, ClaimTypes.Role));

    /// <summary>The signed-in user's id; <c>unauthenticated</c> if there is none.</summary>
    public static string GetUserId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(UserId) ?? throw new UnauthenticatedException("Sign in first.");

    public static string GetSessionId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(SessionId) ?? throw new UnauthenticatedException("Sign in first.");
}
