using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.Options;
using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Auth;

/// <summary>
/// Issues access tokens exactly as the bearer token handler reads them: an authentication ticket protected by that
/// scheme's own data-protection protector, with an expiry. No crypto of our own.
/// </summary>
internal sealed class AccessTokenIssuer(IOptionsMonitor<BearerTokenOptions> options, TimeProvider timeProvider)
{
    public const string TokenType = "Bearer";

    public SignInResponse Issue(UserSession session)
    {
        var bearer = options.Get(ChatAuthorization.UserScheme);
        var now = timeProvider.GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + bearer.BearerTokenExpiration };
        var principal = ChatClaims.CreatePrincipal(session.UserId, session.SessionId, ChatAuthorization.UserScheme);
        var token = bearer.BearerTokenProtector.Protect(new AuthenticationTicket(principal, properties, $"{ChatAuthorization.UserScheme}:AccessToken"));
        return new SignInResponse(token, TokenType, (long)bearer.BearerTokenExpiration.TotalSeconds, session.UserId, session.SessionId);
    }
}
