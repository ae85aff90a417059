using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Grains.Users;

/// <summary>Persisted state of a user grain. <see cref="Created"/> false means the user does not exist.</summary>
[GenerateSerializer, Alias("chat.UserState")]
public sealed class UserState
{
    [Id(0)]
    public bool Created { get; set; }

    [Id(1)]
    public string? Email { get; set; }

    [Id(2)]
    public string? Phone { get; set; }

    [Id(3)]
    public string DisplayName { get; set; } = "";

    [Id(4)]
    public string? FirstName { get; set; }

    [Id(5)]
    public string? LastName { get; set; }

    /// <summary>ASP.NET Core Identity's <c>PasswordHasher</c> format (PBKDF2, salted, versioned).</summary>
    [Id(6)]
    public string PasswordHash { get; set; } = "";

    [Id(7)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Organization ids, in the order they were joined.</summary>
    [Id(8)]
    public List<string> Organizations { get; set; } = [];

    /// <summary>Active sessions by session id: at most one per device (udid).</summary>
    [Id(9)]
    public Dictionary<string, UserSessionState> Sessions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Empty since the roster has its own rows (<c>IRosterStore</c>): a state stored by an earlier version may still hold
    /// its roster here, which the next activation moves into rows.
    /// </summary>
    [Id(10)]
    public Dictionary<string, ConversationView> Conversations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Set (and stored) by the first roster change of an activation and by every state write, cleared when the activation
    /// ends and has stored the changed rows and its feed. Found set by a new activation, it means the last one died with
    /// unsaved changes: the feed gets a reset entry (changes may have been applied and never fed), and the roster is
    /// rebuilt from the conversation grains while the user grain answers (roster reads wait for it); the mark stays set
    /// until that activation ends and saves the rebuilt roster.
    /// </summary>
    [Id(11)]
    public bool RosterMayBeStale { get; set; }

    /// <summary>Empty like <see cref="Conversations"/>: hidden marks an earlier version stored, moved into the rows with it.</summary>
    [Id(12)]
    public Dictionary<string, long> Hidden { get; set; } = new(StringComparer.Ordinal);

    [Id(13)]
    public string? StatusText { get; set; }

    [Id(14)]
    public string? AvatarUrl { get; set; }

    /// <summary>The app's data about the user that anyone who sees the user sees.</summary>
    [Id(15)]
    public Dictionary<string, string> PublicData { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The app's data about the user that only the user sees.</summary>
    [Id(16)]
    public Dictionary<string, string> PrivateData { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The user's metadata per organization (at most 8 keys each), by organization id.</summary>
    [Id(17)]
    public Dictionary<string, Dictionary<string, string>> OrganizationMetadata { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The presence the user chose: <c>Available</c> (follow the devices), <c>Dnd</c> or <c>Unavailable</c>.</summary>
    [Id(18)]
    public PresenceStatus ChosenPresence { get; set; }

    /// <summary>When the user was last seen available (or busy), stored when their last device goes (and on deactivation).</summary>
    [Id(19)]
    public DateTimeOffset? LastActiveAt { get; set; }

    /// <summary>The users whose presence and profile changes this user gets.</summary>
    [Id(20)]
    public HashSet<string> Subscriptions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The users who get this user's presence and profile changes (the other side of their <see cref="Subscriptions"/>).</summary>
    [Id(21)]
    public HashSet<string> Subscribers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The user's privacy lists by name.</summary>
    [Id(22)]
    public Dictionary<string, List<PrivacyItem>> PrivacyLists { get; set; } = new(StringComparer.Ordinal);

    [Id(23)]
    public string? ActivePrivacyList { get; set; }

    /// <summary>The users whose active privacy list denies this user mutually: their messages do not reach this user either.</summary>
    [Id(24)]
    public HashSet<string> MutuallyBlockedBy { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Users whose standing with this user changed by a privacy list, whose side of it (their mutual mark, our 1-1
    /// conversations) is not told yet: stored with the change, cleared once told, told again by the next activation
    /// when a crash came between.
    /// </summary>
    [Id(25)]
    public HashSet<string> PrivacyChangesToTell { get; set; } = new(StringComparer.Ordinal);

    // Contacts (UserGrain.Contacts.cs).

    /// <summary>
    /// My contacts and contact requests by the other user's id: at most <see cref="ContactLimits.MaxContacts"/>
    /// confirmed or requested by me, and <see cref="ContactLimits.MaxRequestsReceived"/> requested by them.
    /// </summary>
    [Id(30)]
    public Dictionary<string, Contact> Contacts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether the user directory of each of the user's organizations has the user's current names. Cleared in the same
    /// write as a change they must learn (a join, a new name), set once they have it. Found false by a new activation, it
    /// means the last one did not get there: the activation publishes again. False in a state stored before directories
    /// existed too, so that such a user is listed by their first activation.
    /// </summary>
    [Id(26)]
    public bool ListingPublished { get; set; }

    /// <summary>Whether my muted conversations count in my organizations' unread totals (UserGrain.Notifications.cs).</summary>
    [Id(31)]
    public bool CountMutedInUnreadTotal { get; set; }
}

/// <summary>One signed-in device.</summary>
[GenerateSerializer, Alias("chat.UserSessionState")]
public sealed class UserSessionState
{
    [Id(0)]
    public string Udid { get; set; } = "";

    [Id(1)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>SHA-256 of the current refresh token's secret (see <c>RefreshToken</c>); empty for a session from before refresh tokens.</summary>
    [Id(2)]
    public string RefreshTokenHash { get; set; } = "";

    [Id(3)]
    public DateTimeOffset RefreshTokenExpiresAt { get; set; }

    [Id(4)]
    public DateTimeOffset? LastRefreshedAt { get; set; }

    /// <summary>Hashes of the refresh tokens already traded in, newest last (a few): presenting one again ends the session.</summary>
    [Id(5)]
    public List<string> UsedRefreshTokenHashes { get; set; } = [];

    /// <summary>The device's push token (UserGrain.Push.cs), null for none: kept with its session, so it ends with it.</summary>
    [Id(6)]
    public PushTokenState? Push { get; set; }
}

/// <summary>A device's push token: for <c>webpush</c> the token is the subscription's endpoint, with its keys.</summary>
[GenerateSerializer, Alias("chat.PushTokenState")]
public sealed class PushTokenState
{
    [Id(0)]
    public PushProvider Provider { get; set; }

    [Id(1)]
    public string Token { get; set; } = "";

    [Id(2)]
    public string? P256dh { get; set; }

    [Id(3)]
    public string? Auth { get; set; }

    [Id(4)]
    public DateTimeOffset RegisteredAt { get; set; }
}
