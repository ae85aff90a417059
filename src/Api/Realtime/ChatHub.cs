using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// The realtime hub at <c>/hubs/chat</c>. Thin: each method resolves a grain and calls it. Events reach clients
/// through <see cref="UserConnections"/>, the one grain observer per connected user in this process.
/// </summary>
[Authorize]
public sealed class ChatHub(IGrainFactory grains, UserConnections connections) : Hub<IChatClient>
{
    public const string Path = "/hubs/chat";

    public override Task OnConnectedAsync() =>
        connections.AddAsync(CallerId, Context.User!.GetSessionId(), Context, Context.ConnectionAborted);

    public override Task OnDisconnectedAsync(Exception? exception) => connections.RemoveAsync(CallerId, Context.ConnectionId);

    /// <summary>Sends a 1-1 message; a retry with the same clientMessageId returns the stored message.</summary>
    public async Task<Message> SendMessage(SendMessageRequest request) =>
        (await Conversation(request).SendAsync(
            new SendMessageCommand(CallerId, request.Body, request.ClientMessageId, Context.User!.GetSessionId()))).Message;

    /// <summary>Marks messages up to <paramref name="sortNumber"/> as read; returns my view of the conversation.</summary>
    public async Task<ConversationView> MarkRead(string conversationId, long sortNumber) =>
        await grains.GetGrain<IConversationGrain>(ConversationKey.Parse(conversationId).ToGrainKey()).MarkReadAsync(CallerId, sortNumber);

    /// <summary>Marks messages up to <paramref name="sortNumber"/> as delivered to this user.</summary>
    public async Task<ConversationView> MarkDelivered(string conversationId, long sortNumber) =>
        await grains.GetGrain<IConversationGrain>(ConversationKey.Parse(conversationId).ToGrainKey()).MarkDeliveredAsync(CallerId, sortNumber);

    private string CallerId => Context.UserIdentifier ?? throw new UnauthenticatedException("Sign in first.");

    private IConversationGrain Conversation(SendMessageRequest? request) =>
        request is null
            ? throw new InvalidArgumentException("The message is missing.", "request")
            : grains.GetGrain<IConversationGrain>(ConversationKey.For(request.OrganizationId, CallerId, request.RecipientId).ToGrainKey());
}
