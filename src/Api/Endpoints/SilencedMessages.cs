using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// A group's messages from users the reader does not receive from (their privacy list: see
/// <c>IUserGrain.GetSilencedAsync</c>) are left out of what the reader reads, as they were left out of the reader's
/// events. One call to the reader's grain per read; a 1-1 conversation needs none (a blocked sender cannot send).
/// </summary>
internal static class SilencedMessages
{
    public static async Task<IReadOnlyList<Message>> LeaveOutAsync(IGrainFactory grains, IChatConversation conversation, string readerId, IReadOnlyList<Message> messages)
    {
        if (conversation is not IGroupGrain || messages.Count == 0)
        {
            return messages;
        }

        var silenced = await grains.GetGrain<IUserGrain>(readerId).GetSilencedAsync();
        return silenced.Count == 0 ? messages : [.. messages.Where(m => !silenced.Contains(m.SenderId, StringComparer.Ordinal))];
    }

    public static async Task<ThreadPage> LeaveOutAsync(IGrainFactory grains, IChatConversation conversation, string readerId, ThreadPage page) =>
        page with { Replies = await LeaveOutAsync(grains, conversation, readerId, page.Replies) };
}
