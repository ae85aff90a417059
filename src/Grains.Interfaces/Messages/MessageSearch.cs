using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Messages;

/// <summary>
/// A search of message text in the requester's conversations of an organization (or in one of them,
/// <see cref="ConversationId"/>): every word of <see cref="Text"/> must start a word of the message, ignoring case and
/// accents. <see cref="Continuation"/> is the one a previous page gave.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.MessageSearchQuery")]
public sealed record MessageSearchQuery(
    [Id(0)] string RequesterId,
    [Id(1)] string OrganizationId,
    [Id(2)] string? Text,
    [Id(3)] string? ConversationId = null,
    [Id(4)] int? Limit = null,
    [Id(5)] string? Continuation = null);

/// <summary>A part of a message's body, in UTF-16 code units from its start: a match to show marked.</summary>
[GenerateSerializer, Immutable, Alias("chat.TextRange")]
public sealed record TextRange([Id(0)] int Start, [Id(1)] int Length);

/// <summary>
/// A message a search found, as the requester sees it now, with the parts of its body that match
/// (<see cref="Highlight"/>, ranges rather than markup, so a body is never HTML) and its <see cref="Rank"/> (higher is
/// better; comparable within one search only).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.MessageSearchHit")]
public sealed record MessageSearchHit(
    [Id(0)] string ConversationId,
    [Id(1)] long SortNumber,
    [Id(2)] Message Message,
    [Id(3)] IReadOnlyList<TextRange> Highlight,
    [Id(4)] double Rank);

/// <summary>A page of search results, best first; <see cref="Continuation"/> asks for the next one, null after the last.</summary>
[GenerateSerializer, Immutable, Alias("chat.MessageSearchPage")]
public sealed record MessageSearchPage([Id(0)] IReadOnlyList<MessageSearchHit> Items, [Id(1)] string? Continuation);

/// <summary>
/// Searches message text for a user: the store's index finds candidates in the user's conversations, and each
/// conversation says which of them the user may see now. Stateless (one per silo core): call it with key 0.
/// </summary>
[Alias("chat.IMessageSearchGrain")]
public interface IMessageSearchGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// One page of what <see cref="MessageSearchQuery.RequesterId"/> finds: <c>permission-denied</c> outside the
    /// organization, <c>not-found</c> for a conversation not in their list, <c>not-supported</c> on a store without an
    /// index (Azure Storage).
    /// </summary>
    [ReadOnly]
    ValueTask<MessageSearchPage> SearchAsync(MessageSearchQuery query);
}
