using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.Options;
using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Auth;

/// <summary>
/// Issues access tokens exactly as the bearer token handler reads them: an authentication ticket protected by that
/// scheme's own data-protection protector, with an expiry. No crypto of our own. Also reads them back, for the hub's
/// <c>RefreshToken</c> and for the <c>reason</c> of a 401.
/// </summary>
public sealed class AccessTokenIssuer(IOptionsMonitor<BearerTokenOptions> options, TimeProvider timeProvider)
{
    public const string TokenType = "Bearer";

    private BearerTokenOptions Bearer => options.Get(ChatAuthorization.UserScheme);

    public SignInResponse Issue(UserSession session)
    {
        var bearer = Bearer;
        var now = timeProvider.GetUtcNow();
        var expiresAt = now + bearer.BearerTokenExpiration;

        // The ticket keeps its times to the second: say the expiry it will be held to.
        expiresAt = expiresAt.AddTicks(-(expiresAt.Ticks % TimeSpan.TicksPerSecond));
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = expiresAt };
        var principal = ChatClaims.CreatePrincipal(session.UserId, session.SessionId, ChatAuthorization.UserScheme);
        var token = bearer.BearerTokenProtector.Protect(new AuthenticationTicket(principal, properties, $"{ChatAuthorization.UserScheme}:AccessToken"));
        return new SignInResponse(
            token, TokenType, (long)bearer.BearerTokenExpiration.TotalSeconds, session.UserId, session.SessionId,
            expiresAt, session.RefreshToken, session.RefreshTokenExpiresAt);
    }

    /// <summary>The user, session and expiry of a token; <c>unauthenticated</c> (missing, malformed or expired) if it does not work.</summary>
    public (ClaimsPrincipal User, DateTimeOffset ExpiresAt) Read(string? token)
    {
        var reason = ReasonAgainst(token, out var ticket);
        return reason is null
            ? (ticket!.Principal, ticket.Properties.ExpiresUtc!.Value)
            : throw new UnauthenticatedException("The access token is missing, malformed or expired.", reason);
    }

    /// <summary>Why the token does not work (see <see cref="AuthFailureReasons"/>), or null if it does (as far as the token itself goes).</summary>
    public string? ReasonAgainst(string? token, out AuthenticationTicket? ticket)
    {
        ticket = null;
        if (string.IsNullOrEmpty(token))
        {
            return AuthFailureReasons.Missing;
        }

        // The same checks, in the same order, as BearerTokenHandler.
        ticket = Bearer.BearerTokenProtector.Unprotect(token);
        if (ticket?.Properties.ExpiresUtc is not { } expiresAt)
        {
            return AuthFailureReasons.Malformed;
        }

        return timeProvider.GetUtcNow() >= expiresAt ? AuthFailureReasons.Expired : null;
    }
}
