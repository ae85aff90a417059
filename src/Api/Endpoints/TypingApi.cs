using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>Typing indicators over REST (the hub's StartTyping and StopTyping): nothing is stored.</summary>
public static class TypingApi
{
    public static IEndpointRouteBuilder MapTypingApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/v1").WithTags("Messages")
            .MapPost("/conversations/{conversationId}/typing", SetTypingAsync)
            .WithName("SetTyping")
            .WithSummary("Start (typing true; renew it every few seconds while typing) or stop (false) typing in one of my conversations: the other members' devices get typing:change; a start not renewed within the timeout (6 s by default) ends by itself (204)")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return routes;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetTypingAsync(
        string conversationId, TypingRequest request, ClaimsPrincipal user, IGrainFactory grains, TypingRateLimiter limiter, HttpResponse response)
    {
        var userId = user.GetUserId();
        if (!limiter.TryAcquire(userId, out var retryAfter))
        {
            response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Rate limited", detail: TypingRateLimiter.Detail);
        }

        var typing = request.Typing ?? throw new InvalidArgumentException("'typing' is missing.", "typing");
        await ChatConversations.Get(grains, conversationId).SetTypingAsync(userId, typing);
        return TypedResults.NoContent();
    }
}

/// <summary>Whether I am typing now (true, renewed every few seconds) or stopped (false).</summary>
public sealed record TypingRequest(bool? Typing);
