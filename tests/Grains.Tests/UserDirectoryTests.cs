using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Chat.Grains.Tests;

/// <summary>An organization's user directory: search by name, what it learns from the user grains, and after a crash.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UserDirectoryTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Search_PrefixOfAnyNameIgnoringCaseAndAccents_EachMemberOnceInPages()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(4);
        var (emile, emily, zoe, bob) = (users[0], users[1], users[2], users[3]);
        await RenameAsync(emile, "Émile Zola", "Émile", "Zola");
        await RenameAsync(emily, "emily stone");
        await RenameAsync(zoe, "Zoë Émery", "Zoë", "Émery");
        await RenameAsync(bob, "Bob");
        var directory = Directory(organizationId);

        var first = await directory.SearchAsync(bob, new UserQuery("EM", Limit: 2));
        var second = await directory.SearchAsync(bob, new UserQuery("EM", Limit: 2, first.Continuation));

        // By the first name that matches: "emery" (Zoë's last name), "emile" (before "emile zola"), "emily stone".
        Assert.Equal([zoe, emile], first.UserIds);
        Assert.NotNull(first.Continuation);
        Assert.Equal([emily], second.UserIds);
        Assert.Null(second.Continuation);
        Assert.Equal([zoe, emile], (await directory.SearchAsync(bob, new UserQuery("zo"))).UserIds);
        Assert.Equal(users.Order(StringComparer.Ordinal), (await directory.SearchAsync(bob, new UserQuery())).UserIds.Order(StringComparer.Ordinal));
        Assert.Empty((await directory.SearchAsync(bob, new UserQuery("stone "))).UserIds); // a prefix of a name, not a word inside one
    }

    [Fact]
    public async Task Search_OnlyForMembers_AndBadInputIsInvalidArgument()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(1);
        var (_, outsiders) = await cluster.OrganizationWithMembersAsync(1);
        var directory = Directory(organizationId);

        await Assert.ThrowsAsync<PermissionDeniedException>(() => directory.SearchAsync(outsiders[0], new UserQuery()).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => directory.SearchAsync(ClusterFixture.NewId("ghost"), new UserQuery()).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => directory.SearchAsync(users[0], new UserQuery(Limit: 0)).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => directory.SearchAsync(users[0], new UserQuery(Continuation: "%%")).AsTask());
    }

    [Fact]
    public async Task Directory_LearnsAJoinAndANameChange()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(1);
        var (otherOrganization, others) = await cluster.OrganizationWithMembersAsync(1);
        var newcomer = users[0];
        await RenameAsync(newcomer, "Nadia Newcomer");
        Assert.Empty((await Directory(otherOrganization).SearchAsync(others[0], new UserQuery("nadia"))).UserIds);

        await cluster.GrainFactory.GetGrain<IOrganizationGrain>(otherOrganization).AddMemberAsync(newcomer);
        Assert.Equal([newcomer], (await Directory(otherOrganization).SearchAsync(others[0], new UserQuery("nadia"))).UserIds);

        await RenameAsync(newcomer, "Nadine Renamed");
        foreach (var (organization, requester) in new[] { (organizationId, newcomer), (otherOrganization, others[0]) })
        {
            Assert.Empty((await Directory(organization).SearchAsync(requester, new UserQuery("nadia"))).UserIds);
            Assert.Equal([newcomer], (await Directory(organization).SearchAsync(requester, new UserQuery("nadine"))).UserIds);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Activation_ListingNotPublished_PublishesTheNamesAndStoresIt(bool published)
    {
        // What a crash between the user's write (a join or a new name, clearing the mark) and the publish leaves behind.
        var (organizationId, members) = await cluster.OrganizationWithMembersAsync(1);
        var userId = ClusterFixture.NewId("crashed");
        var storage = cluster.Services.GetRequiredService<IGrainStorage>();
        await storage.WriteStateAsync("user", GrainId.Create("User", userId), new GrainState<UserState>(new UserState
        {
            Created = true, DisplayName = "Quentin Crash", Organizations = [organizationId], ListingPublished = published,
        }));

        await cluster.GrainFactory.GetGrain<IUserGrain>(userId).GetProfileAsync();

        var found = (await Directory(organizationId).SearchAsync(members[0], new UserQuery("quentin"))).UserIds;
        Assert.Equal(published ? [] : new[] { userId }, found);
        var stored = new GrainState<UserState>();
        await storage.ReadStateAsync("user", GrainId.Create("User", userId), stored);
        Assert.True(stored.State!.ListingPublished);
    }

    private Task<UserProfile> RenameAsync(string userId, string displayName, string? firstName = null, string? lastName = null) =>
        cluster.GrainFactory.GetGrain<IUserGrain>(userId).UpdateProfileAsync(new ProfileChanges(displayName, firstName, lastName)).AsTask();

    private IUserDirectoryGrain Directory(string organizationId) => cluster.GrainFactory.GetGrain<IUserDirectoryGrain>(organizationId);
}
