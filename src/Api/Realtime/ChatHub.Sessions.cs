using Orleans.Chat.Api.Auth;
using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>Sessions over the hub: a new access token for this connection, my sessions, ending one.</summary>
public sealed partial class ChatHub
{
    /// <summary>
    /// Keeps this connection open past its token's expiry: <paramref name="accessToken"/> must be a working token of the
    /// same session (from <c>POST /v1/auth/refresh</c>). Returns the new expiry.
    /// </summary>
    public async Task<TokenExpiry> RefreshToken(string accessToken)
    {
        var (user, expiresAt) = tokens.Read(accessToken);
        var sessionId = Context.User!.GetSessionId();
        if (!string.Equals(user.GetUserId(), CallerId, StringComparison.Ordinal) || !string.Equals(user.GetSessionId(), sessionId, StringComparison.Ordinal))
        {
            throw new InvalidArgumentException("The token is of another session than this connection's.", "accessToken");
        }

        if (!await grains.GetGrain<IUserGrain>(CallerId).IsSessionActiveAsync(sessionId))
        {
            throw new UnauthenticatedException("The session has ended. Sign in again.", AuthFailureReasons.Revoked);
        }

        expiry.Extend(Context, expiresAt);
        return new TokenExpiry(expiresAt);
    }

    /// <summary>My signed-in devices (see <c>GET /v1/me/sessions</c>).</summary>
    public Task<IReadOnlyList<SessionInfo>> ListSessions() => AuthApi.ListSessionsAsync(Context.User!, grains);

    /// <summary>Ends one of my sessions; its connections close (this one too, if it is this session).</summary>
    public Task EndSession(string sessionId) => AuthApi.EndSessionAsync(Context.User!, grains, sessionId);
}
