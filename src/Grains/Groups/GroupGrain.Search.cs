using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Groups;

/// <summary>Search: which candidates of the index a member (or former member) may see (see <see cref="MessageSearchIndex"/>).</summary>
public sealed partial class GroupGrain
{
    public async ValueTask<IReadOnlyList<Message>> GetVisibleAsync(string requesterId, IReadOnlyList<long> sortNumbers) =>
        await VisibleMessages.OfAsync(GetHistoryAsync, requesterId, sortNumbers);
}
