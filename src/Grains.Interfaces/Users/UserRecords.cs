using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Grains.Users;

/// <summary>A user's profile and the organizations they belong to.</summary>
public sealed record UserProfile(
    string Id,
    string? Email,
    string? Phone,
    string DisplayName,
    string? FirstName,
    string? LastName,
    IReadOnlyList<string> Organizations,
    DateTimeOffset CreatedAt);

/// <summary>Creates the user whose id is the grain key. Email and phone are optional but unique.</summary>
public sealed record CreateUserCommand(
    string DisplayName,
    string Password,
    string? Email = null,
    string? Phone = null,
    string? FirstName = null,
    string? LastName = null);

/// <summary>Sign in on a device (<see cref="Udid"/>): one session per device; signing in again replaces it.</summary>
public sealed record SignInCommand(string Password, string Udid);

/// <summary>A signed-in device of a user. The session id goes into the access token; revoking the session kills the token.</summary>
public sealed record UserSession(string SessionId, string UserId, string Udid, DateTimeOffset CreatedAt);

/// <summary>The unread totals of one user in one organization.</summary>
public sealed record UnreadSummary(string OrganizationId, int UnreadCount, int UnreadConversationCount);

/// <summary>A conversation in the user's roster changed; carries the new entry and the organization's new totals.</summary>
public sealed record ConversationChanged(ConversationView Conversation, UnreadSummary Unread);

/// <summary>A session of the observed user was revoked (signed out or replaced): its connections must close.</summary>
public sealed record SessionRevoked(string UserId, string SessionId);
