using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>A group's metadata on its own: who reads it, who changes it, how, and who hears of it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GroupMetadataTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Update_PartialSetsAndRemoves_ReplaceSetsWhole_AtMostEightKeys()
    {
        var (_, users, group) = await GroupOfAsync(GroupType.Group, new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
        var owner = users[0];

        var partial = await group.UpdateMetadataAsync(owner, new Dictionary<string, string?> { ["a"] = null, ["c"] = "3" }, replace: false);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, partial.Metadata);
        var whole = await group.UpdateMetadataAsync(owner, new Dictionary<string, string?> { ["d"] = "4" }, replace: true);
        Assert.Equal(new Dictionary<string, string> { ["d"] = "4" }, whole.Metadata);

        var nine = Enumerable.Range(0, 9).ToDictionary(i => $"k{i}", _ => (string?)"v");
        await Assert.ThrowsAsync<InvalidArgumentException>(() => group.UpdateMetadataAsync(owner, nine, replace: true).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => group.UpdateMetadataAsync(owner, new Dictionary<string, string?> { ["bad key"] = "x" }, replace: false).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => group.UpdateAsync(owner, new GroupChanges(Metadata: nine.ToDictionary(e => e.Key, e => e.Value!))).AsTask());
        var kept = await group.GetMetadataAsync(owner);
        Assert.Equal(group.GetPrimaryKeyString(), kept.Id);
        Assert.Equal(new Dictionary<string, string> { ["d"] = "4" }, kept.Metadata); // the refused changes changed nothing
        Assert.Equal(kept.Metadata, (await group.GetAsync(owner)).Metadata);
    }

    [Fact]
    public async Task Update_AsTheGroupsSettings_PlainMemberOnlyWhenAllowed_NonMemberNotFound()
    {
        var (_, users, group) = await GroupOfAsync(GroupType.Group);
        var (owner, member) = (users[0], users[1]);
        var (_, strangers) = await cluster.OrganizationWithMembersAsync(1);
        var change = new Dictionary<string, string?> { ["k"] = "v" };

        await Assert.ThrowsAsync<PermissionDeniedException>(() => group.UpdateMetadataAsync(member, change, replace: false).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => group.UpdateMetadataAsync(strangers[0], change, replace: false).AsTask());
        Assert.Empty((await group.GetMetadataAsync(member)).Metadata);

        await group.SetPermissionsAsync(owner, member, new GroupPermissions(MayEditGroup: true));
        Assert.Equal("v", (await group.UpdateMetadataAsync(member, change, replace: false)).Metadata["k"]);
    }

    [Fact]
    public async Task Get_MembersOfAPrivateGroup_AnyoneInTheOrganizationForAForum_NotFoundForOthers()
    {
        var metadata = new Dictionary<string, string> { ["topic"] = "x" };
        var (organizationId, users, privateGroup) = await GroupOfAsync(GroupType.Group, metadata, members: 2);
        var forum = Group(organizationId);
        await forum.CreateAsync(new CreateGroupCommand(users[0], "Forum", GroupType.Forum, Metadata: metadata));
        var (_, strangers) = await cluster.OrganizationWithMembersAsync(1);
        var nonMember = users[2];

        Assert.Equal("x", (await privateGroup.GetMetadataAsync(users[1])).Metadata["topic"]);
        await Assert.ThrowsAsync<NotFoundException>(() => privateGroup.GetMetadataAsync(nonMember).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => privateGroup.GetMetadataAsync(strangers[0]).AsTask());
        Assert.Equal("x", (await forum.GetMetadataAsync(nonMember)).Metadata["topic"]);
        await Assert.ThrowsAsync<NotFoundException>(() => forum.GetMetadataAsync(strangers[0]).AsTask());
    }

    [Fact]
    public async Task Update_TheMembersGetTheGroupsNewView()
    {
        var (_, users, group) = await GroupOfAsync(GroupType.Group);
        var devices = new RecordingObserver();
        await cluster.GrainFactory.GetGrain<IUserGrain>(users[1]).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(devices));
        var before = await group.GetViewAsync(users[1]);

        await group.UpdateMetadataAsync(users[0], new Dictionary<string, string?> { ["k"] = "v" }, replace: false);

        var change = await devices.NextAsync<ConversationChanged>(c => c.Conversation.Id == before.Id && c.Conversation.Revision > before.Revision);
        Assert.Equal(before.LastSortNumber, change.Conversation.LastSortNumber);
    }

    private async Task<(string OrganizationId, string[] Users, IGroupGrain Group)> GroupOfAsync(
        GroupType type, IReadOnlyDictionary<string, string>? metadata = null, int members = 3)
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(3);
        var group = Group(organizationId);
        await group.CreateAsync(new CreateGroupCommand(users[0], "Group", type, users[1..members], Metadata: metadata));
        return (organizationId, users, group);
    }

    private IGroupGrain Group(string organizationId) =>
        cluster.GrainFactory.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey());
}
