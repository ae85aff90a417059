using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;
using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Users;

/// <summary>A user, keyed by user id: profile, password, organizations, sessions, roster and realtime subscribers.</summary>
[Alias("chat.IUserGrain")]
public partial interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Creates the user; <c>conflict</c> if the id, email or phone is taken.</summary>
    ValueTask<UserProfile> CreateAsync(CreateUserCommand command);

    /// <summary>The profile; <c>not-found</c> if the user does not exist.</summary>
    [ReadOnly]
    ValueTask<UserProfile> GetProfileAsync();

    /// <summary>Whether the user exists. May interleave with any call (a lookup grain asks it while this user may be calling that lookup).</summary>
    [AlwaysInterleave]
    ValueTask<bool> ExistsAsync();

    /// <summary>
    /// Changes my profile (see <see cref="ProfileChanges"/>); a new email or phone must be free (<c>conflict</c>).
    /// Returns the profile; my other devices get <c>user:updated</c>.
    /// </summary>
    ValueTask<UserProfile> UpdateProfileAsync(ProfileChanges changes);

    /// <summary>My metadata in an organization I am in (<c>permission-denied</c> otherwise): at most 8 keys of the app's data.</summary>
    [ReadOnly]
    ValueTask<IReadOnlyDictionary<string, string>> GetOrganizationMetadataAsync(string organizationId);

    /// <summary>
    /// Changes my metadata in an organization: <paramref name="replace"/> sets it to <paramref name="changes"/> whole;
    /// otherwise each key is set, or removed when its value is null. Returns the metadata.
    /// </summary>
    ValueTask<IReadOnlyDictionary<string, string>> UpdateOrganizationMetadataAsync(string organizationId, IReadOnlyDictionary<string, string?> changes, bool replace);

    /// <summary>Checks the password and starts a session for the device; <c>unauthenticated</c> if they do not match.</summary>
    ValueTask<UserSession> SignInAsync(SignInCommand command);

    /// <summary>Ends the session; false if it was not active.</summary>
    ValueTask<bool> SignOutAsync(string sessionId);

    /// <summary>
    /// Rotates the session's refresh token: the given one is used up and a new one returned. <c>unauthenticated</c> with
    /// reason <c>refresh-reused</c> for a token used before (and the session is ended), <c>refresh-expired</c>,
    /// <c>revoked</c> (no such session) or <c>malformed</c>.
    /// </summary>
    ValueTask<UserSession> RefreshSessionAsync(RefreshSessionCommand command);

    /// <summary>My sessions, oldest first; <paramref name="currentSessionId"/> is marked current.</summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<SessionInfo>> ListSessionsAsync(string currentSessionId);

    /// <summary>Whether the session exists and was not revoked. Called on every authenticated request.</summary>
    [ReadOnly]
    ValueTask<bool> IsSessionActiveAsync(string sessionId);

    /// <summary>Adds the organization to the user's organizations; false if it was already there.</summary>
    ValueTask<bool> JoinOrganizationAsync(string organizationId);

    [ReadOnly]
    ValueTask<bool> IsMemberOfAsync(string organizationId);

    /// <summary>Applies a conversation's absolute view to the roster (ignored if older than what is held) and notifies observers.</summary>
    ValueTask ApplyConversationUpdateAsync(ConversationUpdate update);

    /// <summary>
    /// Roster views from another activation of this user that is going away while this one runs (Orleans can run two for
    /// a moment after a silo dies): each is applied as a conversation's push would be, if newer than what is held.
    /// One-way, because the sender is deactivating and must not wait for a call that reaches this grain after it is gone.
    /// </summary>
    [OneWay]
    Task MergeRosterAsync(IReadOnlyList<ConversationView> views);

    /// <summary>My conversations in the organization, most recent first; <c>permission-denied</c> if I am not a member.</summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<ConversationView>> GetConversationsAsync(string organizationId);

    /// <summary>
    /// A page of my conversations in the organization, by last activity or by name, optionally only those changed
    /// after a time; conversations I hid are left out until their next message. <c>permission-denied</c> if I am not a
    /// member of the organization.
    /// </summary>
    [ReadOnly]
    ValueTask<RosterPage> ListConversationsAsync(string organizationId, RosterQuery query);

    /// <summary>Hides a conversation from my list until its next message; <c>not-found</c> if it is not in my roster.</summary>
    ValueTask HideConversationAsync(string conversationId);

    /// <summary>Unread totals in the organization; <c>permission-denied</c> if I am not a member.</summary>
    [ReadOnly]
    ValueTask<UnreadSummary> GetUnreadAsync(string organizationId);

    /// <summary>
    /// The broadcast groups I am a member of, in every organization: an Api host serving my devices subscribes to them,
    /// because their messages do not come through this grain.
    /// </summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<ConversationView>> GetBroadcastGroupsAsync();

    /// <summary>Passes a custom message on to the user's connected devices (those of its origin session left out).</summary>
    [OneWay]
    ValueTask DeliverCustomAsync(CustomMessageSent sent);

    /// <summary>Passes another member's typing change on to the user's connected devices, unless the user silences the typist.</summary>
    [OneWay]
    ValueTask DeliverTypingAsync(TypingChanged changed);

    // Contacts (UserGrain.Contacts.cs)

    /// <summary>
    /// A user's contact action. Call it on the grain of <see cref="ContactCommand.CoordinatorId"/>, the lower of the two
    /// ids: that grain calls the other one (<see cref="ApplyContactAsync"/>), so grain calls between contacts only go
    /// from a lower id to a higher one and never wait on each other in a circle. Request and confirm need a shared
    /// organization (the one <c>not-found</c> of lookups otherwise, as for a missing user); confirm needs their request,
    /// and reject refuses nothing else (<c>not-found</c> for my own request or a contact); past
    /// <see cref="ContactLimits"/>, <c>conflict</c>. A repeated action changes nothing and tells nobody; reject and
    /// remove of what is not there succeed. Every device of both users gets the change
    /// (<see cref="IUserObserver.OnFeedChangeAsync"/>). Returns the actor's entry (null when none is left).
    /// </summary>
    ValueTask<Contact?> ChangeContactAsync(ContactCommand command);

    /// <summary>
    /// The other side of <see cref="ChangeContactAsync"/>, called by the coordinator on the higher id's grain: decides
    /// from this grain's entry, stores it, and returns it (null when none is left) for the coordinator to mirror.
    /// </summary>
    ValueTask<Contact?> ApplyContactAsync(PairedContactCommand command);

    /// <summary>My contacts and requests, most recent first, optionally only those in <paramref name="state"/>.</summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<Contact>> GetContactsAsync(ContactState? state);

    /// <summary>Subscribes (or renews) an observer; subscriptions expire unless renewed.</summary>
    ValueTask SubscribeAsync(IUserObserver observer);

    ValueTask UnsubscribeAsync(IUserObserver observer);
}
