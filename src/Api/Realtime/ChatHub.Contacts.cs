using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>The hub's side of contacts (see <c>ContactsApi</c> for the REST routes and the rules).</summary>
public sealed partial class ChatHub
{
    /// <summary>Asks a user I can see to be my contact; confirms if they asked me first. Returns my entry.</summary>
    public async Task<Contact> RequestContact(string userId) =>
        (await ContactsApi.ChangeAsync(grains, CallerId, userId, ContactAction.Request))!;

    /// <summary>Accepts the user's contact request; returns my entry.</summary>
    public async Task<Contact> ConfirmContact(string userId) =>
        (await ContactsApi.ChangeAsync(grains, CallerId, userId, ContactAction.Confirm))!;

    /// <summary>Refuses the user's contact request.</summary>
    public Task RejectContact(string userId) => ContactsApi.ChangeAsync(grains, CallerId, userId, ContactAction.Reject);

    /// <summary>Ends the contact, cancels my request or refuses theirs.</summary>
    public Task RemoveContact(string userId) => ContactsApi.ChangeAsync(grains, CallerId, userId, ContactAction.Remove);

    /// <summary>My contacts and requests with their profiles, optionally only those in <paramref name="state"/>.</summary>
    public Task<IReadOnlyList<ContactView>> ListContacts(ContactState? state) => ContactsApi.ListAsync(grains, CallerId, state);
}
