using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>Sign in (password + device id -> bearer access token) and sign out (revokes that device's session).</summary>
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
        auth.MapPost("/sign-out", SignOutAsync)
            .WithName("SignOut")
            .WithSummary("Sign out this device: its token stops working and its hub connections close");
        return routes;
    }

    private static async Task<Ok<SignInResponse>> SignInAsync(SignInRequest request, IGrainFactory grains, AccessTokenIssuer tokens)
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

        var session = await grains.GetGrain<IUserGrain>(userId).SignInAsync(new SignInCommand(request.Password, request.Udid));
        return TypedResults.Ok(tokens.Issue(session));
    }

    private static async Task<NoContent> SignOutAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(user.GetUserId()).SignOutAsync(user.GetSessionId());
        return TypedResults.NoContent();
    }
}
