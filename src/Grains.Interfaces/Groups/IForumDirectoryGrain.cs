using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// The forums of one organization (keyed by organization id), listed and searched by name for its users. Each forum's
/// grain publishes its listing when it is created or renamed, and again when it activates, which repairs a listing
/// lost to a crash between the two.
/// </summary>
[Alias("chat.IForumDirectoryGrain")]
public interface IForumDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Adds or replaces a forum's listing.</summary>
    ValueTask PublishAsync(ForumListing listing);

    /// <summary>
    /// Forums whose name starts with <see cref="ForumQuery.NamePrefix"/> (ignoring case and accents), by name, a page at a
    /// time; <c>permission-denied</c> unless the requester is a user of the organization.
    /// </summary>
    [ReadOnly]
    ValueTask<ForumPage> SearchAsync(string requesterId, ForumQuery query);
}

/// <summary>A forum as its directory lists it; <see cref="Id"/> is its conversation id.</summary>
[GenerateSerializer, Immutable, Alias("chat.ForumListing")]
public sealed record ForumListing(
    [Id(0)] string Id,
    [Id(1)] string GroupId,
    [Id(2)] string Name,
    [Id(3)] string? Description,
    [Id(4)] string? AvatarUrl);

/// <summary>A page request: a name prefix (optional), a page size, and the continuation of the previous page.</summary>
[GenerateSerializer, Immutable, Alias("chat.ForumQuery")]
public sealed record ForumQuery(
    [Id(0)] string? NamePrefix = null,
    [Id(1)] int? Limit = null,
    [Id(2)] string? Continuation = null);

/// <summary>One page; <see cref="Continuation"/> asks for the next one, null after the last.</summary>
[GenerateSerializer, Immutable, Alias("chat.ForumPage")]
public sealed record ForumPage(
    [Id(0)] IReadOnlyList<ForumListing> Forums,
    [Id(1)] string? Continuation);
