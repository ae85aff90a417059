using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Grains.Users;

/// <summary>Persisted state of a user grain. <see cref="Created"/> false means the user does not exist.</summary>
public sealed class UserState
{
    public bool Created { get; set; }

    public string? Email { get; set; }

    public string? Phone { get; set; }

    public string DisplayName { get; set; } = "";

    public string? FirstName { get; set; }

    public string? LastName { get; set; }

    /// <summary>ASP.NET Core Identity's <c>PasswordHasher</c> format (PBKDF2, salted, versioned).</summary>
    public string PasswordHash { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Organization ids, in the order they were joined.</summary>
    public List<string> Organizations { get; set; } = [];

    /// <summary>Active sessions by session id: at most one per device (udid).</summary>
    public Dictionary<string, UserSessionState> Sessions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The roster: my conversations (all organizations) by conversation id, as their grains last reported them. Stored
    /// when an entry is added and when the activation ends; other changes stay in memory (see <see cref="RosterMayBeStale"/>).
    /// </summary>
    public Dictionary<string, ConversationView> Conversations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Set (and stored) by the first roster change of an activation, cleared when the activation ends and saves the
    /// roster. Found set by a new activation, it means the last one died with unsaved changes: the roster is rebuilt
    /// from the conversation grains before the user grain answers.
    /// </summary>
    public bool RosterMayBeStale { get; set; }
}

/// <summary>One signed-in device.</summary>
public sealed class UserSessionState
{
    public string Udid { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}
