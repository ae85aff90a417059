using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// Sign in (password + device id -> bearer access token and refresh token), refresh (rotates the refresh token), sign out
/// (revokes that device's session), and my sessions (list, end one).
/// </summary>
public static class AuthApi
{
    public const string SignInRateLimitPolicy = "sign-in";

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/v1/auth").WithTags("Auth")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        auth.MapPost("/sign-in", SignInAsync)
            .AllowAnonymous()
            .RequireRateLimiting(SignInRateLimitPolicy)
            .WithName("SignIn")
            .WithSummary("Sign in with user id, email or phone, password and device id");
        auth.MapPost("/refresh", RefreshAsync)
            .AllowAnonymous()
            .RequireRateLimiting(SignInRateLimitPolicy)
            .WithName("RefreshToken")
            .WithSummary("Trade a refresh token for a new access token and a new refresh token (a reused one ends the session)");
        auth.MapPost("/sign-out", SignOutAsync)
            .WithName("SignOut")
            .WithSummary("Sign out this device: its token stops working and its hub connections close");

        var sessions = routes.MapGroup("/v1/me/sessions").WithTags("Auth")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        sessions.MapGet("/", ListSessionsAsync)
            .WithName("ListSessions")
            .WithSummary("My signed-in devices, oldest first; current marks this one");
        sessions.MapDelete("/{sessionId}", EndSessionAsync)
            .WithName("EndSession")
            .WithSummary("End one of my sessions: its tokens stop working and its hub connections close")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    /// <summary>Longer than any refresh token we issue (secret, session id, user id): anything longer is not one.</summary>
    private const int MaxRefreshTokenLength = 256;

    private static async Task<Ok<SignInResponse>> RefreshAsync(RefreshRequest? request, IGrainFactory grains, AccessTokenIssuer tokens, IOptions<AuthOptions> options)
    {
        if (string.IsNullOrEmpty(request?.RefreshToken))
        {
            throw new UnauthenticatedException("Give 'refreshToken'.", AuthFailureReasons.Missing);
        }

        if (request.RefreshToken.Length > MaxRefreshTokenLength || !RefreshToken.TryParse(request.RefreshToken, out var token)
            || !Validate.IsId(token.UserId))
        {
            throw new UnauthenticatedException("The refresh token is not valid.", AuthFailureReasons.Malformed);
        }

        var session = await grains.GetGrain<IUserGrain>(token.UserId).RefreshSessionAsync(
            new RefreshSessionCommand(request.RefreshToken, options.Value.RefreshTokenLifetime));
        return TypedResults.Ok(tokens.Issue(session));
    }

    public static async Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IUserGrain>(user.GetUserId()).ListSessionsAsync(user.GetSessionId());

    public static async Task<NoContent> EndSessionAsync(ClaimsPrincipal user, IGrainFactory grains, string sessionId) =>
        await grains.GetGrain<IUserGrain>(user.GetUserId()).SignOutAsync(sessionId)
            ? TypedResults.NoContent()
            : throw new NotFoundException("No session of yours matches.");

    private static async Task<Ok<SignInResponse>> SignInAsync(SignInRequest request, IGrainFactory grains, AccessTokenIssuer tokens, IOptions<AuthOptions> options)
    {
        var given = (request.UserId is { Length: > 0 } ? 1 : 0) + (request.Email is { Length: > 0 } ? 1 : 0) + (request.Phone is { Length: > 0 } ? 1 : 0);
        if (given != 1)
        {
            throw new InvalidArgumentException("Give exactly one of 'userId', 'email' or 'phone'.");
        }

        var userId = request.UserId is { Length: > 0 } id
            ? Validate.Id(id, "userId")
            : await grains.GetGrain<IUserLookupGrain>(request.Email is { Length: > 0 } email
                    ? UserLookupKey.ForEmail(email).ToGrainKey()
                    : UserLookupKey.ForPhone(request.Phone).ToGrainKey())
                .GetUserIdAsync();

        // An unknown user looks exactly like a wrong password.
        if (userId is null)
        {
            throw new UnauthenticatedException("Wrong user or password.");
        }

        var session = await grains.GetGrain<IUserGrain>(userId).SignInAsync(
            new SignInCommand(request.Password, request.Udid, options.Value.RefreshTokenLifetime));
        return TypedResults.Ok(tokens.Issue(session));
    }

    private static async Task<NoContent> SignOutAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(user.GetUserId()).SignOutAsync(user.GetSessionId());
        return TypedResults.NoContent();
    }
}
