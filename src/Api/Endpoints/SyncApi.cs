using System.Security.Claims;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Api.Realtime;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>Offline sync: the changes of my feed after a cursor (the hub replays the same on reconnect with <c>?cursor=</c>).</summary>
public static class SyncApi
{
    /// <summary>Changes per call when no limit is given.</summary>
    public const int DefaultLimit = 500;

    public static IEndpointRouteBuilder MapSyncApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/v1").WithTags("Sync")
            .MapGet("/sync", (long? since, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
                ReadAsync(grains, user.GetUserId(), user.GetSessionId(), since, limit))
            .WithName("Sync")
            .WithSummary("The changes after my cursor 'since' (every event my devices get live but a broadcast group's own messages), oldest first, up to 'limit' changes (1..1000, 500 by default), and the cursor to go on from; without 'since', or when the gap is too large, snapshotRequired: read my conversations anew")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return routes;
    }

    /// <summary>
    /// A page of my feed after <paramref name="since"/> as events, but those my own device caused (it has them as its
    /// calls' results) and those at or before the cursor (a cursor in the middle of a change).
    /// </summary>
    public static async Task<SyncPage> ReadAsync(IGrainFactory grains, string userId, string sessionId, long? since, int? limit)
    {
        if (limit is < 1 or > FeedReader.MaxPage)
        {
            throw new InvalidArgumentException($"'limit' must be between 1 and {FeedReader.MaxPage}.", "limit");
        }

        if (since < 0)
        {
            throw new InvalidArgumentException("'since' must not be negative.", "since");
        }

        var read = await FeedReader.ReadAsync(grains, userId, since ?? -1, limit ?? DefaultLimit);
        var events = read.Changes
            .SelectMany(FeedEvents.Of)
            .Where(e => e.Cursor > since && !string.Equals(e.ExceptSession, sessionId, StringComparison.Ordinal))
            .Select(e => new SyncEvent(e.Cursor, e.Name, e.Data))
            .ToList();
        return new SyncPage(events, read.Cursor, read.HasMore, read.SnapshotRequired);
    }
}
