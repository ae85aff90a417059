using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// A forward, for REST and the hub alike: the source conversation checks that the caller sees the message and makes the
/// send; the target conversation checks the caller's membership there and stores it. Two calls from here, so that no
/// conversation ever waits on another.
/// </summary>
internal static class MessageForwarding
{
    public static async Task<SendMessageResult> ForwardAsync(IGrainFactory grains, string conversationId, ForwardCommand command)
    {
        var send = await ChatConversations.Get(grains, conversationId).PrepareForwardAsync(command);
        return await ChatConversations.Get(grains, command.ToConversationId).SendAsync(send);
    }
}
