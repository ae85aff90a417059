using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>Threads: a message's replies and my read marker. A reply is sent like any message, with <c>parentSortNumber</c>.</summary>
public static class ThreadsApi
{
    public static IEndpointRouteBuilder MapThreadsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/v1/conversations/{conversationId}/messages/{sortNumber:long}/thread").WithTags("Threads")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("", GetThreadAsync)
            .WithName("GetThread")
            .WithSummary("A message's thread: the parent (with its reply count and last reply), replies oldest first after the reply 'after' (limit 1-200, default 50), and my read marker");
        api.MapPost("/read", MarkThreadReadAsync)
            .WithName("MarkThreadRead")
            .WithSummary("Move my read marker in the thread up to the reply at sortNumber (never back)");
        return routes;
    }

    private static async Task<Ok<ThreadPage>> GetThreadAsync(string conversationId, long sortNumber, long? after, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await GetAsync(grains, conversationId, user.GetUserId(), new ThreadQuery(user.GetUserId(), sortNumber, after ?? 0, limit)));

    /// <summary>A page of a thread, without the replies of users the reader does not receive from.</summary>
    internal static async Task<ThreadPage> GetAsync(IGrainFactory grains, string conversationId, string readerId, ThreadQuery query)
    {
        var conversation = ChatConversations.Get(grains, conversationId);
        return await SilencedMessages.LeaveOutAsync(grains, conversation, readerId, await conversation.GetThreadAsync(query));
    }

    private static async Task<Ok<ThreadRead>> MarkThreadReadAsync(string conversationId, long sortNumber, MarkReadRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(new ThreadRead(await ChatConversations.Get(grains, conversationId)
            .MarkThreadReadAsync(user.GetUserId(), sortNumber, Validate.SortNumber(request.SortNumber, "sortNumber"))));
}
