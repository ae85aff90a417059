using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Users;

/// <summary>Privacy lists: named lists of users allowed or denied, one of them active.</summary>
public partial interface IUserGrain
{
    /// <summary>My privacy lists, the active one marked.</summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<PrivacyList>> GetPrivacyListsAsync();

    /// <summary>Creates or replaces a list (at most 20 lists, 500 entries each); if it is the active one, it applies at once.</summary>
    ValueTask<PrivacyList> SetPrivacyListAsync(PrivacyList list);

    /// <summary>Deletes a list; deleting the active one leaves no list active. <c>not-found</c> if there is none of that name.</summary>
    ValueTask DeletePrivacyListAsync(string name);

    /// <summary>Makes a list the active one, or (null) none.</summary>
    ValueTask SetActivePrivacyListAsync(string? name);

    /// <summary>
    /// The users whose messages I do not receive: those my active list denies, and those whose active list denies me
    /// mutually. They cannot send me 1-1 messages, their group messages do not reach me (nor count as unread), and they
    /// do not see my presence. Interleaves: a group asks it while counting for me, which my grain may be waiting for.
    /// </summary>
    [AlwaysInterleave]
    ValueTask<IReadOnlyList<string>> GetSilencedAsync();

    /// <summary>
    /// Whether I do not receive <paramref name="userId"/>'s messages (see <see cref="GetSilencedAsync"/>). Interleaves: a
    /// conversation asks it while this grain may be waiting for that conversation.
    /// </summary>
    [AlwaysInterleave]
    ValueTask<bool> IsSilencingAsync(string userId);

    /// <summary>
    /// Another user's active list now denies me mutually (or no longer): I stop (or start again) receiving from them.
    /// Interleaves, as two users may change their lists about each other at once.
    /// </summary>
    [AlwaysInterleave]
    ValueTask SetMutuallyBlockedAsync(string byUserId, bool blocked);
}
