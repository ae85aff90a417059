using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>Which hub event carries which change of a contact.</summary>
internal static class ContactChanges
{
    public static Task SendAsync(IChatClient client, ContactChanged change) => change.Kind switch
    {
        ContactChangeKind.Requested => client.ContactRequested(change),
        ContactChangeKind.Confirmed => client.ContactConfirmed(change),
        ContactChangeKind.Rejected => client.ContactRejected(change),
        _ => client.ContactRemoved(change),
    };
}
