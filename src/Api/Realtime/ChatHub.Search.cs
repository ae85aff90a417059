using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Api.Realtime;

/// <summary>The hub's side of message search (see <c>MessageSearchApi</c> for the rules).</summary>
public sealed partial class ChatHub
{
    /// <summary>My text messages holding every word of <c>q</c>, best first, a page at a time.</summary>
    public Task<MessageSearchPage> SearchMessages(string organizationId, MessageSearchRequest? request) =>
        MessageSearchApi.FindAsync(grains, CallerId, organizationId, request);
}
