using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Api.Realtime;

/// <summary>Which hub event carries which change of a message.</summary>
internal static class MessageChanges
{
    public static Task SendAsync(IChatClient client, MessageChange change) => change.Kind switch
    {
        MessageChangeKind.Recalled => client.MessageRecalled(change),
        MessageChangeKind.DeletedForMe => client.MessageDeleted(change),
        _ => client.MessageUpdated(change),
    };
}
