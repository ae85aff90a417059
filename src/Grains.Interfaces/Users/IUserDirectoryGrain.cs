using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// The users of one organization (keyed by organization id), searched by name for its members. Each user grain
/// publishes its names here when the user joins the organization and when a name changes, and again on its next
/// activation when a crash came between its own write and the publish (<c>UserState.ListingPublished</c>).
/// </summary>
[Alias("chat.IUserDirectoryGrain")]
public interface IUserDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Adds or replaces a member's listing; idempotent.</summary>
    ValueTask PublishAsync(UserListing listing);

    /// <summary>
    /// The ids of the members whose display, first or last name starts with <see cref="UserQuery.NamePrefix"/> (ignoring
    /// case and accents), each once, by the first of their names that matches, a page at a time; <c>permission-denied</c>
    /// unless the requester is a member listed here.
    /// </summary>
    [ReadOnly]
    ValueTask<UserDirectoryPage> SearchAsync(string requesterId, UserQuery query);
}

/// <summary>A member as the directory of their organization lists them.</summary>
[GenerateSerializer, Immutable, Alias("chat.UserListing")]
public sealed record UserListing(
    [Id(0)] string UserId,
    [Id(1)] string DisplayName,
    [Id(2)] string? FirstName,
    [Id(3)] string? LastName);

/// <summary>A page request: a name prefix (optional: every member), a page size, and the continuation of the previous page.</summary>
[GenerateSerializer, Immutable, Alias("chat.UserQuery")]
public sealed record UserQuery(
    [Id(0)] string? NamePrefix = null,
    [Id(1)] int? Limit = null,
    [Id(2)] string? Continuation = null);

/// <summary>One page of a directory search; <see cref="Continuation"/> asks for the next one, null after the last.</summary>
[GenerateSerializer, Immutable, Alias("chat.UserDirectoryPage")]
public sealed record UserDirectoryPage(
    [Id(0)] IReadOnlyList<string> UserIds,
    [Id(1)] string? Continuation);
