using System.Globalization;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Text;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Messages;

/// <summary>
/// Message search (<see cref="IMessageSearchGrain"/>). The index knows words, not readers, so a search goes: the
/// requester's conversations in the organization (their roster: they search nothing else), the index's best hits
/// among them, then each conversation's word on which of those the requester sees now (its history's rules: deletes
/// for me, cleared history, a group's window, recalls and expiries), dropping senders the requester silences and
/// bodies that no longer say it (an edit the index has not caught up with). Hits are fetched in batches of twice the
/// page until the page is full; a page that scanned <see cref="MaxBatches"/> batches stops short with a continuation,
/// so a search whose hits are mostly hidden costs a bounded amount per page. The continuation is the number of index
/// hits consumed: a message indexed meanwhile can shift later pages by a place.
/// </summary>
[StatelessWorker]
[GrainType("MessageSearch")]
public sealed class MessageSearchGrain(IMessageSearch search, IGrainFactory grains) : Grain, IMessageSearchGrain
{
    private const int MaxBatches = 5;

    public async ValueTask<MessageSearchPage> SearchAsync(MessageSearchQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var requesterId = Validate.Id(query.RequesterId, "requesterId");
        var organizationId = Validate.Id(query.OrganizationId, "organizationId");
        var terms = MessageSearchText.Terms(Validate.SearchText(query.Text));
        var limit = Validate.SearchLimit(query.Limit);
        var offset = query.Continuation is null ? 0 : OffsetOf(query.Continuation);
        var conversationId = query.ConversationId;
        if (conversationId is not null && !ConversationKey.TryParse(conversationId, out _) && !GroupKey.TryParse(conversationId, out _))
        {
            throw new InvalidArgumentException("'conversationId' is not a conversation id.", "conversationId");
        }

        if (!search.IsSupported)
        {
            throw new UnsupportedException("Message search is not available on this server's store.");
        }

        var user = grains.GetGrain<IUserGrain>(requesterId);
        IReadOnlyCollection<string> scope = [.. (await user.GetConversationsAsync(organizationId)).Select(c => c.Id)];
        if (conversationId is not null)
        {
            scope = scope.Contains(conversationId, StringComparer.Ordinal)
                ? [conversationId]
                : throw new NotFoundException("No conversation of yours matches.");
        }

        var silenced = (await user.GetSilencedAsync()).ToHashSet(StringComparer.Ordinal);
        var items = new List<MessageSearchHit>(limit);
        var batch = Math.Max(20, limit * 2);
        for (var round = 0; round < MaxBatches; round++)
        {
            var hits = await search.SearchAsync(scope, terms, offset, batch);
            var visible = await VisibleAsync(requesterId, hits);
            foreach (var hit in hits)
            {
                offset++;
                if (visible.TryGetValue((hit.LogId, hit.Sequence), out var message)
                    && !silenced.Contains(message.SenderId)
                    && message.Type == MessageType.Text
                    && MessageSearchText.Matches(message.Body, terms))
                {
                    items.Add(new MessageSearchHit(hit.LogId, hit.Sequence, message, MessageSearchText.Highlight(message.Body, terms), hit.Rank));
                    if (items.Count == limit)
                    {
                        return new MessageSearchPage(items, Continuation(offset));
                    }
                }
            }

            if (hits.Count < batch)
            {
                return new MessageSearchPage(items, null);
            }
        }

        return new MessageSearchPage(items, Continuation(offset));
    }

    /// <summary>The hits each conversation shows the requester, asking all the conversations at once.</summary>
    private async Task<Dictionary<(string, long), Message>> VisibleAsync(string requesterId, IReadOnlyList<SearchHit> hits)
    {
        var checks = hits
            .GroupBy(h => h.LogId, StringComparer.Ordinal)
            .Select(async group =>
            {
                try
                {
                    return await ChatConversations.Get(grains, group.Key).GetVisibleAsync(requesterId, [.. group.Select(h => h.Sequence)]);
                }
                catch (ChatException)
                {
                    // No longer theirs to read (the roster lags behind a change of membership): nothing of it.
                    return [];
                }
            });
        var visible = new Dictionary<(string, long), Message>();
        foreach (var message in (await Task.WhenAll(checks)).SelectMany(m => m))
        {
            visible[(message.ConversationId, message.SortNumber)] = message;
        }

        return visible;
    }

    private static string Continuation(int offset) => ContinuationToken.Encode(offset.ToString(CultureInfo.InvariantCulture));

    private static int OffsetOf(string continuation) =>
        int.TryParse(ContinuationToken.Decode(continuation), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : throw ContinuationToken.Invalid();
}
