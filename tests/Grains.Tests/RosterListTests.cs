using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>My list a page at a time from the user grain's index, as entries change.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RosterListTests(ClusterFixture cluster)
{
    [Fact]
    public async Task List_ManyConversationsPagedBothWays_EveryEntryOnceInOrderAndAMessageMovesItsEntryFirst()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(12);
        var me = users[0];
        foreach (var other in users[1..])
        {
            await Conversation(organizationId, other, me).SendAsync(new SendMessageCommand(other, "hi", "c1"));
        }

        var roster = await User(me).GetConversationsAsync(organizationId);
        foreach (var sort in Enum.GetValues<RosterSort>())
        {
            var pages = await AllPagesAsync(me, organizationId, sort, limit: 4);
            Assert.Equal(11, pages.Count);
            var expected = sort == RosterSort.Recent
                ? roster.OrderByDescending(v => v.UpdatedAt).ThenBy(v => v.Id, StringComparer.Ordinal)
                : roster.OrderBy(v => v.Name, StringComparer.OrdinalIgnoreCase).ThenBy(v => v.Id, StringComparer.Ordinal);
            Assert.Equal(expected.Select(v => v.Id), pages.Select(v => v.Id));
        }

        var oldest = (await AllPagesAsync(me, organizationId, RosterSort.Recent, limit: 50))[^1];
        await Conversation(organizationId, oldest.CounterpartyId!, me).SendAsync(new SendMessageCommand(oldest.CounterpartyId!, "again", "c2"));
        var first = (await User(me).ListConversationsAsync(organizationId, new RosterQuery(Limit: 1))).Items.Single();
        Assert.Equal((oldest.Id, 2), (first.Id, first.UnreadCount));
        Assert.Equal(11, (await AllPagesAsync(me, organizationId, RosterSort.Recent, limit: 3)).Count);
    }

    private async Task<List<ConversationView>> AllPagesAsync(string userId, string organizationId, RosterSort sort, int limit)
    {
        var items = new List<ConversationView>();
        string? continuation = null;
        do
        {
            var page = await User(userId).ListConversationsAsync(organizationId, new RosterQuery(sort, limit, continuation));
            Assert.True(page.Items.Count <= limit);
            items.AddRange(page.Items);
            continuation = page.Continuation;
        }
        while (continuation is not null);

        return items;
    }

    private IConversationGrain Conversation(string organizationId, string one, string other) =>
        cluster.GrainFactory.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, one, other).ToGrainKey());

    private IUserGrain User(string userId) => cluster.GrainFactory.GetGrain<IUserGrain>(userId);
}
