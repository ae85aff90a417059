using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Users;

/// <summary>Refresh tokens (rotated on every use; a reused one ends its session) and the list of my sessions.</summary>
public sealed partial class UserGrain
{
    /// <summary>How long a refresh token lives when the caller does not say.</summary>
    internal static readonly TimeSpan DefaultRefreshTokenLifetime = TimeSpan.FromDays(30);

    /// <summary>Used refresh tokens remembered per session: enough to catch a stolen copy replayed a few rotations later.</summary>
    internal const int MaxUsedRefreshTokens = 8;

    public async ValueTask<UserSession> RefreshSessionAsync(RefreshSessionCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var userId = this.GetPrimaryKeyString();
        if (!RefreshToken.TryParse(command.RefreshToken, out var token) || !string.Equals(token.UserId, userId, StringComparison.Ordinal))
        {
            throw new UnauthenticatedException("The refresh token is not valid.", AuthFailureReasons.Malformed);
        }

        if (!S.Created || !S.Sessions.TryGetValue(token.SessionId, out var session))
        {
            throw new UnauthenticatedException("The session has ended. Sign in again.", AuthFailureReasons.Revoked);
        }

        var hash = token.Hash();
        if (session.UsedRefreshTokenHashes.Contains(hash, StringComparer.Ordinal))
        {
            // Either the client retried or someone else holds a copy: both parties lose the session, so a thief cannot keep it.
            LogRefreshReused(logger, userId, token.SessionId);
            await SignOutAsync(token.SessionId);
            throw new UnauthenticatedException("The refresh token was already used; the session has ended. Sign in again.", AuthFailureReasons.RefreshReused);
        }

        if (session.RefreshTokenHash.Length == 0 || !string.Equals(session.RefreshTokenHash, hash, StringComparison.Ordinal))
        {
            throw new UnauthenticatedException("The refresh token is not valid.", AuthFailureReasons.Malformed);
        }

        var now = timeProvider.GetUtcNow();
        if (now >= session.RefreshTokenExpiresAt)
        {
            throw new UnauthenticatedException("The refresh token has expired. Sign in again.", AuthFailureReasons.RefreshExpired);
        }

        session.UsedRefreshTokenHashes.Add(hash);
        if (session.UsedRefreshTokenHashes.Count > MaxUsedRefreshTokens)
        {
            session.UsedRefreshTokenHashes.RemoveAt(0);
        }

        session.LastRefreshedAt = now;
        var next = IssueRefreshToken(token.SessionId, session, command.RefreshTokenLifetime);
        await WriteStateAsync();
        return ToSession(token.SessionId, session, next);
    }

    public ValueTask<IReadOnlyList<SessionInfo>> ListSessionsAsync(string currentSessionId) =>
        ValueTask.FromResult<IReadOnlyList<SessionInfo>>(
        [
            .. S.Sessions.OrderBy(s => s.Value.CreatedAt).Select(s => new SessionInfo(
                s.Key, s.Value.Udid, s.Value.CreatedAt, s.Value.LastRefreshedAt, string.Equals(s.Key, currentSessionId, StringComparison.Ordinal))),
        ]);

    /// <summary>Gives the session a new refresh token (its hash and expiry in <paramref name="session"/>); the caller writes state.</summary>
    private RefreshToken IssueRefreshToken(string sessionId, UserSessionState session, TimeSpan? lifetime)
    {
        var token = RefreshToken.New(sessionId, this.GetPrimaryKeyString());
        session.RefreshTokenHash = token.Hash();
        session.RefreshTokenExpiresAt = timeProvider.GetUtcNow() + (lifetime is { } given && given > TimeSpan.Zero ? given : DefaultRefreshTokenLifetime);
        return token;
    }

    private UserSession ToSession(string sessionId, UserSessionState session, RefreshToken refreshToken) =>
        new(sessionId, this.GetPrimaryKeyString(), session.Udid, session.CreatedAt, refreshToken.ToString(), session.RefreshTokenExpiresAt);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Warning, Message = "A used refresh token of user {UserId} came back; ending session {SessionId}")]
    private static partial void LogRefreshReused(ILogger logger, string userId, string sessionId);
}
