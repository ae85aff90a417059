using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>Search: which candidates of the index a member may see (see <see cref="MessageSearchIndex"/>).</summary>
public sealed partial class ConversationGrain
{
    public async ValueTask<IReadOnlyList<Message>> GetVisibleAsync(string requesterId, IReadOnlyList<long> sortNumbers) =>
        await VisibleMessages.OfAsync(GetHistoryAsync, requesterId, sortNumbers);
}
