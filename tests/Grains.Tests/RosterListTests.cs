using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
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

    [Fact]
    public async Task List_ByNamePrefixAndKind_FindsMyGroupsIgnoringCaseAndAccents_APageAtATime()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var me = users[0];
        foreach (var name in new[] { "Alpha team", "Älpha ops", "Beta", "alphabet soup" })
        {
            await cluster.GrainFactory.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey())
                .CreateAsync(new CreateGroupCommand(users[1], name, MemberIds: [me]));
        }

        await Conversation(organizationId, users[1], me).SendAsync(new SendMessageCommand(users[1], "hi", "c1")); // a 1-1, never a group

        var byName = await AllPagesAsync(me, organizationId, RosterSort.Name, limit: 1, name: "ALP", kind: ConversationKind.Group);
        Assert.Equal(["Älpha ops", "Alpha team", "alphabet soup"], byName.Select(v => v.Name)); // folded: "alpha ops" < "alpha team" < "alphabet soup"
        var recent = await AllPagesAsync(me, organizationId, RosterSort.Recent, limit: 1, name: "ALP", kind: ConversationKind.Group);
        Assert.Equal(byName.Select(v => v.Id).Order(StringComparer.Ordinal), recent.Select(v => v.Id).Order(StringComparer.Ordinal));

        Assert.Empty(await AllPagesAsync(me, organizationId, RosterSort.Name, limit: 5, name: "alp", kind: ConversationKind.Direct));
        Assert.Single(await AllPagesAsync(me, organizationId, RosterSort.Recent, limit: 5, name: null, kind: ConversationKind.Direct));
    }

    private async Task<List<ConversationView>> AllPagesAsync(string userId, string organizationId, RosterSort sort, int limit, string? name = null, ConversationKind? kind = null)
    {
        var items = new List<ConversationView>();
        string? continuation = null;
        do
        {
            var page = await User(userId).ListConversationsAsync(organizationId, new RosterQuery(sort, limit, continuation, NamePrefix: name, Kind: kind));
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
