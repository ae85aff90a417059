using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Realtime;

/// <summary>Typing indicators over the hub (the REST route of TypingApi), limited per user with REST's calls.</summary>
public sealed partial class ChatHub
{
    /// <summary>I am typing in the conversation: renew it every few seconds while typing; it ends by itself otherwise.</summary>
    public Task StartTyping(string conversationId) => SetTypingAsync(conversationId, typing: true);

    public Task StopTyping(string conversationId) => SetTypingAsync(conversationId, typing: false);

    private async Task SetTypingAsync(string conversationId, bool typing)
    {
        if (!typingLimiter.TryAcquire(CallerId, out _))
        {
            throw new RateLimitedException(TypingRateLimiter.Detail);
        }

        await ChatConversations.Get(grains, conversationId).SetTypingAsync(CallerId, typing);
    }
}
