using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>Editing a profile: fields kept and cleared, unique addresses moved between lookups, devices told.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ProfileTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Update_ChangesWhatIsGiven_KeepsTheRest_AndTellsTheDevices()
    {
        var userId = await cluster.CreateUserAsync(email: $"{ClusterFixture.NewId("a")}@example.com");
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(userId);
        var devices = new RecordingObserver();
        await user.SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(devices));
        var before = await user.GetProfileAsync();

        var updated = await user.UpdateProfileAsync(new ProfileChanges(StatusText: "away", PrivateData: new Dictionary<string, string> { ["k"] = "v" }, OriginSessionId: "phone"));

        Assert.Equal(("away", before.DisplayName, before.Email, "v"), (updated.StatusText, updated.DisplayName, updated.Email, updated.PrivateData!["k"]));
        var told = await devices.NextAsync<ProfileUpdated>();
        Assert.Equal(("phone", "away"), (told.OriginSessionId, told.Profile.StatusText));
        Assert.Null((await user.UpdateProfileAsync(new ProfileChanges(StatusText: ""))).StatusText);
    }

    [Fact]
    public async Task Update_ATakenEmail_ConflictsAndChangesNothing()
    {
        var (mine, theirs) = ($"{ClusterFixture.NewId("m")}@example.com", $"{ClusterFixture.NewId("t")}@example.com");
        var me = cluster.GrainFactory.GetGrain<IUserGrain>(await cluster.CreateUserAsync(email: mine));
        await cluster.CreateUserAsync(email: theirs);

        await Assert.ThrowsAsync<ConflictException>(() => me.UpdateProfileAsync(new ProfileChanges(StatusText: "new", Email: theirs)).AsTask());

        var profile = await me.GetProfileAsync();
        Assert.Equal((mine, (string?)null), (profile.Email, profile.StatusText));
        Assert.Equal(me.GetPrimaryKeyString(), await cluster.GrainFactory.GetGrain<IUserLookupGrain>(UserLookupKey.ForEmail(mine).ToGrainKey()).GetUserIdAsync());
    }

    [Fact]
    public async Task OrganizationMetadata_PartialSetsAndRemoves_ReplaceSetsWhole_OnlyInMyOrganizations()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(1);
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(users[0]);

        await user.UpdateOrganizationMetadataAsync(organizationId, new Dictionary<string, string?> { ["a"] = "1", ["b"] = "2" }, replace: false);
        var partial = await user.UpdateOrganizationMetadataAsync(organizationId, new Dictionary<string, string?> { ["a"] = null, ["c"] = "3" }, replace: false);
        var whole = await user.UpdateOrganizationMetadataAsync(organizationId, new Dictionary<string, string?> { ["d"] = "4" }, replace: true);

        Assert.Equal(["b", "c"], partial.Keys.Order());
        Assert.Equal(["d"], whole.Keys);
        Assert.Equal(["d"], (await user.GetOrganizationMetadataAsync(organizationId)).Keys);
        var nine = Enumerable.Range(0, 9).ToDictionary(i => $"k{i}", i => (string?)"v");
        await Assert.ThrowsAsync<InvalidArgumentException>(() => user.UpdateOrganizationMetadataAsync(organizationId, nine, replace: true).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => user.GetOrganizationMetadataAsync(ClusterFixture.NewId("org")).AsTask());
        Assert.Equal(["d"], (await user.GetOrganizationMetadataAsync(organizationId)).Keys); // the refused change changed nothing
    }
}
