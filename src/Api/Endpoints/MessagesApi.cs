using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>Messages (1-1, and to any conversation by id), my conversations and unread counts, history pages and read receipts.</summary>
public static class MessagesApi
{
    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/v1").WithTags("Messages")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapPost("/messages", SendMessageAsync)
            .WithName("SendMessage")
            .WithSummary("Send a 1-1 message; recipientOrganizationId (default organizationId) sends across organizations where both allow it; a retry with the same clientMessageId returns the stored message (200)");
        api.MapGet("/organizations/{organizationId}/conversations", ListConversationsAsync)
            .WithName("ListConversations")
            .WithSummary("My conversations in the organization with unread counts, a page at a time: sort recent (default) or name, limit 1-200, continuation from the previous page, updatedAfter, name (a prefix of the group's or counterpart's name, case and accents ignored), kind (direct or group); hidden ones left out until their next message");
        api.MapGet("/organizations/{organizationId}/unread", GetUnreadAsync)
            .WithName("GetUnread")
            .WithSummary("My unread message and conversation counts in the organization");
        api.MapPost("/organizations/{organizationId}/read", MarkOrganizationReadAsync)
            .WithName("MarkAllRead")
            .WithSummary("Mark everything read in my conversations of the organization, up to their last message now; returns my unread totals");
        api.MapGet("/conversations/{conversationId}", GetConversationAsync)
            .WithName("GetConversation")
            .WithSummary("One of my conversations");
        api.MapPost("/conversations/{conversationId}/messages", SendToConversationAsync)
            .WithName("SendToConversation")
            .WithSummary("Send to any of my conversations by id, 1-1 or group; a retry with the same clientMessageId returns the stored message (200)");
        api.MapPost("/conversations/{conversationId}/messages/{sortNumber:long}/resend", ResendAsync)
            .WithName("ResendMessage")
            .WithSummary("Send one of my messages again as a new message (same body and metadata), optionally with another priority; a retry with the same clientMessageId returns the stored message (200)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/conversations/{conversationId}/messages/{sortNumber:long}/forward", ForwardAsync)
            .WithName("ForwardMessage")
            .WithSummary("Forward a message I can see into another of my conversations of the same organization; the new message names the original's conversation, id and sender (forwarded)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/conversations/{conversationId}/custom", SendCustomAsync)
            .WithName("SendCustomMessage")
            .WithSummary("Send a message that is not stored to the members' devices connected now (hub event message:custom); nothing is counted and nobody gets it later");
        api.MapGet("/conversations/{conversationId}/messages", GetMessagesAsync)
            .WithName("GetMessages")
            .WithSummary("A page of history by sortNumber: before/after (exclusive), limit 1-200 (default 50), order newest|oldest");
        api.MapGet("/conversations/{conversationId}/messages/{sortNumber:long}", GetMessageAsync)
            .WithName("GetMessage")
            .WithSummary("One message of my history by sortNumber")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/conversations/{conversationId}/messages/{sortNumber:long}/receipts", GetReceiptsAsync)
            .WithName("GetReceipts")
            .WithSummary("Statuses per recipient of one message: who read it, who has it delivered, who neither")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/conversations/{conversationId}/read", MarkReadAsync)
            .WithName("MarkRead")
            .WithSummary("Mark messages up to sortNumber as read: moves my read cursor and tells the sender");
        api.MapPost("/conversations/{conversationId}/hide", HideConversationAsync)
            .WithName("HideConversation")
            .WithSummary("Hide a conversation from my list until its next message")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/conversations/{conversationId}/clear", ClearHistoryAsync)
            .WithName("ClearHistory")
            .WithSummary("Clear my history up to sortNumber: those messages are gone for me (history, unread), not for anyone else");
        api.MapPost("/conversations/{conversationId}/unread", MarkUnreadAsync)
            .WithName("MarkUnread")
            .WithSummary("Mark my messages from sortNumber on as unread again (for me only: the senders keep their read receipts)");
        return routes;
    }

    /// <summary>The path of a conversation's messages.</summary>
    public static string MessagesPath(string conversationId) => $"/v1/conversations/{Uri.EscapeDataString(conversationId)}/messages";

    private static async Task<Results<Created<Message>, Ok<Message>>> SendMessageAsync(
        SendMessageRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var senderId = user.GetUserId();
        var result = await grains.GetGrain<IConversationGrain>(request.ToConversationKey(senderId).ToGrainKey())
            .SendAsync(request.ToCommand(senderId, user.GetSessionId()));
        return Sent(result);
    }

    private static async Task<Results<Created<Message>, Ok<Message>>> SendToConversationAsync(
        string conversationId, SendToConversationRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var result = await ChatConversations.Get(grains, conversationId)
            .SendAsync(request.ToCommand(user.GetUserId(), user.GetSessionId()));
        return Sent(result);
    }

    private static async Task<Results<Created<Message>, Ok<Message>>> ResendAsync(
        string conversationId, long sortNumber, ResendRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Sent(await ChatConversations.Get(grains, conversationId).ResendAsync(
            new ResendCommand(user.GetUserId(), sortNumber, request.ClientMessageId, user.GetSessionId(), request.Priority)));

    private static async Task<Results<Created<Message>, Ok<Message>>> ForwardAsync(
        string conversationId, long sortNumber, ForwardRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Sent(await MessageForwarding.ForwardAsync(grains, conversationId, new ForwardCommand(user.GetUserId(), sortNumber, request.ToConversationId, request.ClientMessageId, user.GetSessionId())));

    private static async Task<Ok<CustomMessage>> SendCustomAsync(
        string conversationId, CustomMessageRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).SendCustomAsync(request.ToCommand(user.GetUserId(), user.GetSessionId())));

    /// <summary>201 with the new message, or 200 with the stored one when the send was a retry.</summary>
    internal static Results<Created<Message>, Ok<Message>> Sent(SendMessageResult result) =>
        result.Created ? TypedResults.Created(MessagesPath(result.Message.ConversationId), result.Message) : TypedResults.Ok(result.Message);

    private static async Task<Ok<RosterPage>> ListConversationsAsync(
        string organizationId, string? sort, int? limit, string? continuation, DateTimeOffset? updatedAfter, string? name, string? kind, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.GetUserId()).ListConversationsAsync(
            Validate.Id(organizationId, "organizationId"), new RosterQuery(ParseSort(sort), limit, continuation, updatedAfter, name, ParseKind(kind))));

    private static ConversationKind? ParseKind(string? kind) => kind?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "direct" => ConversationKind.Direct,
        "group" => ConversationKind.Group,
        _ => throw new InvalidArgumentException("'kind' must be 'direct' or 'group'.", "kind"),
    };

    private static async Task<NoContent> HideConversationAsync(string conversationId, ClaimsPrincipal user, IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(user.GetUserId()).HideConversationAsync(conversationId);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<ConversationView>> ClearHistoryAsync(
        string conversationId, MarkReadRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId)
            .ClearHistoryAsync(user.GetUserId(), Validate.SortNumber(request.SortNumber, "sortNumber")));

    /// <summary><c>recent</c> (default) or <c>name</c>.</summary>
    internal static RosterSort ParseSort(string? sort) => sort?.Trim().ToLowerInvariant() switch
    {
        null or "" or "recent" => RosterSort.Recent,
        "name" => RosterSort.Name,
        _ => throw new InvalidArgumentException("'sort' must be 'recent' or 'name'.", "sort"),
    };

    private static async Task<Ok<UnreadSummary>> GetUnreadAsync(string organizationId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.GetUserId()).GetUnreadAsync(Validate.Id(organizationId, "organizationId")));

    private static async Task<Ok<UnreadSummary>> MarkOrganizationReadAsync(string organizationId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await MarkAllReadAsync(grains, user.GetUserId(), Validate.Id(organizationId, "organizationId")));

    /// <summary>
    /// Reads every conversation of the user's roster in the organization that has unread messages, up to its last message.
    /// Here, not in the user grain: each conversation's read updates the reader's user grain before it returns, so the
    /// user grain cannot be the one waiting for them.
    /// </summary>
    internal static async Task<UnreadSummary> MarkAllReadAsync(IGrainFactory grains, string userId, string organizationId)
    {
        var me = grains.GetGrain<IUserGrain>(userId);
        var unread = (await me.GetConversationsAsync(organizationId)).Where(c => c.UnreadCount > 0 && c.IsMember);
        await Parallel.ForEachAsync(unread, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (conversation, _) =>
            await ChatConversations.Get(grains, conversation.Id).MarkReadAsync(userId, conversation.LastSortNumber));
        return await me.GetUnreadAsync(organizationId);
    }

    private static async Task<Ok<ConversationView>> GetConversationAsync(string conversationId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).GetViewAsync(user.GetUserId()));

    private static async Task<Ok<IReadOnlyList<Message>>> GetMessagesAsync(
        string conversationId, long? before, long? after, int? limit, string? order, ClaimsPrincipal user, IGrainFactory grains)
    {
        var conversation = ChatConversations.Get(grains, conversationId);
        var query = new HistoryQuery(user.GetUserId(), before, after, Validate.Limit(limit), ParseOrder(order));
        var page = await conversation.GetHistoryAsync(query);
        if (page.Messages.Count > 0)
        {
            await MarkCaughtUpAsync(conversation, user.GetUserId(), page.Messages.Max(m => m.SortNumber));
        }

        return TypedResults.Ok(await SilencedMessages.LeaveOutAsync(grains, conversation, user.GetUserId(), page.Messages));
    }

    /// <summary>
    /// Catching up is receiving: what a device read from history is delivered to it (the senders see it as delivered).
    /// A courtesy to the senders, so it never fails the read: a former group member, for one, has no cursor to move.
    /// </summary>
    private static async Task MarkCaughtUpAsync(IChatConversation conversation, string userId, long sortNumber)
    {
        try
        {
            await conversation.MarkDeliveredAsync(userId, sortNumber);
        }
        catch (ChatException)
        {
        }
    }

    private static async Task<Ok<Message>> GetMessageAsync(string conversationId, long sortNumber, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).GetMessageAsync(user.GetUserId(), sortNumber));

    private static async Task<Ok<MessageReceipts>> GetReceiptsAsync(string conversationId, long sortNumber, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ChatConversations.Get(grains, conversationId).GetReceiptsAsync(user.GetUserId(), sortNumber));

    private static async Task<Ok<ConversationView>> MarkReadAsync(
        string conversationId, MarkReadRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        return TypedResults.Ok(await ChatConversations.Get(grains, conversationId)
            .MarkReadAsync(user.GetUserId(), Validate.SortNumber(request.SortNumber, "sortNumber")));
    }

    private static async Task<Ok<ConversationView>> MarkUnreadAsync(
        string conversationId, MarkReadRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        return TypedResults.Ok(await ChatConversations.Get(grains, conversationId)
            .MarkUnreadAsync(user.GetUserId(), Validate.SortNumber(request.SortNumber, "sortNumber")));
    }

    /// <summary><c>newest</c> (default) or <c>oldest</c>; <c>desc</c>/<c>asc</c> and the enum names are accepted too.</summary>
    internal static HistoryOrder ParseOrder(string? order) => order?.Trim().ToLowerInvariant() switch
    {
        null or "" or "newest" or "desc" or "newestfirst" or "newest-first" => HistoryOrder.NewestFirst,
        "oldest" or "asc" or "oldestfirst" or "oldest-first" => HistoryOrder.OldestFirst,
        _ => throw new InvalidArgumentException("'order' must be 'newest' or 'oldest'.", "order"),
    };
}
