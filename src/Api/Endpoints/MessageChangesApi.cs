using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// What happens to a message after it is sent: edit, recall, delete for me, pins, reactions, and the ordered changes a
/// device that was offline catches up with.
/// </summary>
public static class MessageChangesApi
{
    public static IEndpointRouteBuilder MapMessageChangesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/v1/conversations/{conversationId}").WithTags("Message changes")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPatch("/messages/{sortNumber:long}", EditAsync)
            .WithName("EditMessage")
            .WithSummary("Edit one of my text messages: new body, and new metadata when given; every member's devices get message:updated");
        api.MapPost("/messages/{sortNumber:long}/recall", RecallAsync)
            .WithName("RecallMessage")
            .WithSummary("Recall a message for everyone (my own; in a group an owner or admin recalls any): body, metadata and attachments are erased, a tombstone keeps the sortNumber; message:recalled");
        api.MapPost("/messages/{sortNumber:long}/delete-for-me", DeleteForMeAsync)
            .WithName("DeleteMessageForMe")
            .WithSummary("Delete a message from my history only; my other devices get message:deleted");
        api.MapPut("/messages/{sortNumber:long}/pin", PinAsync)
            .WithName("PinMessage")
            .WithSummary("Pin a message for the conversation (at most 100 pins)");
        api.MapDelete("/messages/{sortNumber:long}/pin", UnpinAsync)
            .WithName("UnpinMessage")
            .WithSummary("Unpin a message");
        api.MapGet("/pins", GetPinsAsync)
            .WithName("GetPins")
            .WithSummary("The conversation's pinned messages I can see, most recently pinned first");
        api.MapPut("/messages/{sortNumber:long}/reactions/{emoji}", AddReactionAsync)
            .WithName("AddReaction")
            .WithSummary("Add my reaction with an emoji (URL-encoded) to a message; reactions list who reacted with each emoji");
        api.MapDelete("/messages/{sortNumber:long}/reactions/{emoji}", RemoveReactionAsync)
            .WithName("RemoveReaction")
            .WithSummary("Remove my reaction with an emoji from a message");
        api.MapGet("/changes", GetChangesAsync)
            .WithName("GetChanges")
            .WithSummary("The changes of messages (edits, recalls, my deletes, pins, reactions) after a change number, oldest first, each with the message as it is now; pass next as after for the next page");
        return routes;
    }

    private static async Task<Ok<Message>> EditAsync(string conversationId, long sortNumber, EditMessageRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).EditAsync(new EditMessageCommand(user.GetUserId(), sortNumber, request.Body, request.Metadata)));

    private static async Task<Ok<Message>> RecallAsync(string conversationId, long sortNumber, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).RecallAsync(user.GetUserId(), sortNumber));

    private static async Task<NoContent> DeleteForMeAsync(string conversationId, long sortNumber, ClaimsPrincipal user, IGrainFactory grains)
    {
        await ChatConversations.Get(grains, conversationId).DeleteForMeAsync(user.GetUserId(), sortNumber);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Message>> PinAsync(string conversationId, long sortNumber, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).SetPinnedAsync(user.GetUserId(), sortNumber, pinned: true));

    private static async Task<Ok<Message>> UnpinAsync(string conversationId, long sortNumber, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).SetPinnedAsync(user.GetUserId(), sortNumber, pinned: false));

    private static async Task<Ok<IReadOnlyList<Message>>> GetPinsAsync(string conversationId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).GetPinsAsync(user.GetUserId()));

    private static async Task<Ok<Message>> AddReactionAsync(string conversationId, long sortNumber, string emoji, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).ReactAsync(user.GetUserId(), sortNumber, emoji, add: true));

    private static async Task<Ok<Message>> RemoveReactionAsync(string conversationId, long sortNumber, string emoji, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).ReactAsync(user.GetUserId(), sortNumber, emoji, add: false));

    private static async Task<Ok<ChangePage>> GetChangesAsync(string conversationId, long? after, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).GetChangesAsync(new ChangesQuery(user.GetUserId(), after ?? 0, limit)));
}
