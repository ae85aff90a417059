using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// Message text search in my conversations of an organization (see <c>MessageSearchGrain</c> for how the index and
/// the conversations decide what I see). The highlight is ranges of the body, not markup.
/// </summary>
public static class MessageSearchApi
{
    public static IEndpointRouteBuilder MapMessageSearchApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/organizations/{organizationId}/messages/search", SearchAsync).WithTags("Messages")
            .WithName("SearchMessages")
            .WithSummary("Text messages of mine that hold every word of q (1-200 characters; each word matches the start of a word, case and accents ignored), in my conversations of the organization or in one of them (conversationId), best first: {items: [{conversationId, sortNumber, message, highlight: [{start, length}] of the body, rank}], continuation}; limit 1-50 (default 20). 501 not-supported on Azure Storage")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status501NotImplemented);
        return routes;
    }

    private static async Task<Ok<MessageSearchPage>> SearchAsync(
        string organizationId, string? q, string? conversationId, int? limit, string? continuation, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await FindAsync(grains, user.GetUserId(), organizationId, new MessageSearchRequest(q, conversationId, limit, continuation)));

    internal static async Task<MessageSearchPage> FindAsync(IGrainFactory grains, string userId, string organizationId, MessageSearchRequest? request) =>
        await grains.GetGrain<IMessageSearchGrain>(0).SearchAsync(
            new MessageSearchQuery(userId, organizationId, request?.Q, request?.ConversationId, request?.Limit, request?.Continuation));
}

/// <summary>The hub's search arguments (REST takes them from the query string).</summary>
public sealed record MessageSearchRequest(string? Q, string? ConversationId = null, int? Limit = null, string? Continuation = null);
