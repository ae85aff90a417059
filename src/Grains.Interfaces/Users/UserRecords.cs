using System.Text.Json.Serialization;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Grains.Users;

/// <summary>A user's profile and the organizations they belong to.</summary>
[GenerateSerializer, Immutable, Alias("chat.UserProfile")]
public sealed record UserProfile(
    [Id(0)] string Id,
    [Id(1)] string? Email,
    [Id(2)] string? Phone,
    [Id(3)] string DisplayName,
    [Id(4)] string? FirstName,
    [Id(5)] string? LastName,
    [Id(6)] IReadOnlyList<string> Organizations,
    [Id(7)] DateTimeOffset CreatedAt,
    [Id(8)] string? StatusText = null,
    [Id(9)] string? AvatarUrl = null,
    [Id(10)] IReadOnlyDictionary<string, string>? PublicData = null,
    [Id(11)] IReadOnlyDictionary<string, string>? PrivateData = null);

/// <summary>
/// Changes to my profile: a null field keeps its value, an empty text clears an optional one (email, phone, names,
/// status, avatar); <see cref="PublicData"/> and <see cref="PrivateData"/> are replaced whole when given (<c>{}</c>
/// clears). Private data is seen by its owner only. <see cref="OriginSessionId"/> is the device that made the change
/// (it has the result; the user's other devices get <c>user:updated</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.ProfileChanges")]
public sealed record ProfileChanges(
    [Id(0)] string? DisplayName = null,
    [Id(1)] string? FirstName = null,
    [Id(2)] string? LastName = null,
    [Id(3)] string? StatusText = null,
    [Id(4)] string? AvatarUrl = null,
    [Id(5)] string? Email = null,
    [Id(6)] string? Phone = null,
    [Id(7)] IReadOnlyDictionary<string, string>? PublicData = null,
    [Id(8)] IReadOnlyDictionary<string, string>? PrivateData = null,
    [Id(9)] string? OriginSessionId = null);

/// <summary>A user's metadata in one organization.</summary>
[GenerateSerializer, Immutable, Alias("chat.UserMetadata")]
public sealed record UserMetadata([Id(0)] string UserId, [Id(1)] string OrganizationId, [Id(2)] IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Up to <see cref="Errors.Validate.MaxLookupsPerCall"/> users named by id, email or phone, in any mix (at least one).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.UserLookupRequest")]
public sealed record UserLookupRequest(
    [Id(0)] IReadOnlyList<string>? UserIds = null,
    [Id(1)] IReadOnlyList<string>? Emails = null,
    [Id(2)] IReadOnlyList<string>? Phones = null);

/// <summary>
/// The users a batch lookup found that the caller may see, each once; the others (missing or invisible alike) are
/// left out.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.UserLookupResult")]
public sealed record UserLookupResult([Id(0)] IReadOnlyList<UserProfile> Items);

/// <summary>One page of an organization's users found by name; <see cref="Continuation"/> asks for the next one, null after the last.</summary>
[GenerateSerializer, Immutable, Alias("chat.UserPage")]
public sealed record UserPage(
    [Id(0)] IReadOnlyList<UserProfile> Items,
    [Id(1)] string? Continuation);

/// <summary>The observed user's profile changed (on another device): every device but <see cref="OriginSessionId"/>'s gets it.</summary>
[GenerateSerializer, Immutable, Alias("chat.ProfileUpdated")]
public sealed record ProfileUpdated([Id(0)] UserProfile Profile, [Id(1)] string? OriginSessionId);

/// <summary>Creates the user whose id is the grain key. Email and phone are optional but unique.</summary>
[GenerateSerializer, Immutable, Alias("chat.CreateUserCommand")]
public sealed record CreateUserCommand(
    [Id(0)] string DisplayName,
    [Id(1)] string Password,
    [Id(2)] string? Email = null,
    [Id(3)] string? Phone = null,
    [Id(4)] string? FirstName = null,
    [Id(5)] string? LastName = null);

/// <summary>
/// Sign in on a device (<see cref="Udid"/>): one session per device; signing in again replaces it. The session's refresh
/// token lives <see cref="RefreshTokenLifetime"/> (the grain's default when null).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.SignInCommand")]
public sealed record SignInCommand(
    [Id(0)] string Password,
    [Id(1)] string Udid,
    [Id(2)] TimeSpan? RefreshTokenLifetime = null);

/// <summary>Trade a refresh token for a new one (rotation); the new one lives <see cref="RefreshTokenLifetime"/>.</summary>
[GenerateSerializer, Immutable, Alias("chat.RefreshSessionCommand")]
public sealed record RefreshSessionCommand(
    [Id(0)] string RefreshToken,
    [Id(1)] TimeSpan? RefreshTokenLifetime = null);

/// <summary>
/// A signed-in device of a user. The session id goes into the access token; revoking the session kills the token.
/// <see cref="RefreshToken"/> is the session's current refresh token (see <see cref="Users.RefreshToken"/>), given
/// once: the grain keeps only its hash.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.UserSession")]
public sealed record UserSession(
    [Id(0)] string SessionId,
    [Id(1)] string UserId,
    [Id(2)] string Udid,
    [Id(3)] DateTimeOffset CreatedAt,
    [Id(4)] string RefreshToken = "",
    [Id(5)] DateTimeOffset RefreshTokenExpiresAt = default);

/// <summary>One of my signed-in devices; <see cref="Current"/> is the one asking.</summary>
[GenerateSerializer, Immutable, Alias("chat.SessionInfo")]
public sealed record SessionInfo(
    [Id(0)] string Id,
    [Id(1)] string Udid,
    [Id(2)] DateTimeOffset CreatedAt,
    [Id(3)] DateTimeOffset? LastRefreshedAt,
    [Id(4)] bool Current);

/// <summary>
/// The unread totals of one user in one organization: messages, conversations with any, and high-priority messages.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.UnreadSummary")]
public sealed record UnreadSummary(
    [Id(0)] string OrganizationId,
    [Id(1)] int UnreadCount,
    [Id(2)] int UnreadConversationCount,
    [Id(3)] int PriorityUnreadCount = 0);

/// <summary>A conversation in the user's roster changed; carries the new entry and the organization's new totals.</summary>
[GenerateSerializer, Immutable, Alias("chat.ConversationChanged")]
public sealed record ConversationChanged(
    [Id(0)] ConversationView Conversation,
    [Id(1)] UnreadSummary Unread);

/// <summary>A session of the observed user was revoked (signed out or replaced): its connections must close.</summary>
[GenerateSerializer, Immutable, Alias("chat.SessionRevoked")]
public sealed record SessionRevoked(
    [Id(0)] string UserId,
    [Id(1)] string SessionId);

/// <summary>How a list of my conversations is ordered.</summary>
[GenerateSerializer, Alias("chat.RosterSort")]
public enum RosterSort
{
    /// <summary>Most recent activity first.</summary>
    [JsonStringEnumMemberName("recent")]
    Recent,

    /// <summary>By name (a group's name, the other member's display name), ignoring case and accents.</summary>
    [JsonStringEnumMemberName("name")]
    Name,
}

/// <summary>
/// A page request for my conversations; <see cref="Continuation"/> comes from the previous page. <see cref="NamePrefix"/>
/// keeps those whose name (a group's, a 1-1 counterpart's) starts with it, ignoring case and accents; <see cref="Kind"/>
/// keeps 1-1 conversations or groups only: together, a search of my groups by name.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.RosterQuery")]
public sealed record RosterQuery(
    [Id(0)] RosterSort Sort = RosterSort.Recent,
    [Id(1)] int? Limit = null,
    [Id(2)] string? Continuation = null,
    [Id(3)] DateTimeOffset? UpdatedAfter = null,
    [Id(4)] string? NamePrefix = null,
    [Id(5)] ConversationKind? Kind = null);

/// <summary>One page of my conversations; <see cref="Continuation"/> asks for the next one, null after the last.</summary>
[GenerateSerializer, Immutable, Alias("chat.RosterPage")]
public sealed record RosterPage(
    [Id(0)] IReadOnlyList<ConversationView> Items,
    [Id(1)] string? Continuation);
