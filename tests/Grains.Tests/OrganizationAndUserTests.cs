using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Runtime;
using Orleans.Chat.Persistence;
using Orleans.Storage;

namespace Orleans.Chat.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class OrganizationAndUserTests(ClusterFixture cluster)
{
    [Fact]
    public async Task OrganizationCreate_New_ReturnsInfoAndGetFindsIt()
    {
        var id = ClusterFixture.NewId("org");
        var organization = cluster.GrainFactory.GetGrain<IOrganizationGrain>(id);

        var created = await organization.CreateAsync(new CreateOrganizationCommand("  Acme  "));

        Assert.Equal(new OrganizationInfo(id, "Acme", 0, created.CreatedAt, new OrganizationSettings()), created);
        Assert.Equal(created, await organization.GetAsync());
    }

    [Fact]
    public async Task OrganizationCreate_Twice_ThrowsConflict()
    {
        var organization = cluster.GrainFactory.GetGrain<IOrganizationGrain>(ClusterFixture.NewId("org"));
        await organization.CreateAsync(new CreateOrganizationCommand("Acme"));

        await Assert.ThrowsAsync<ConflictException>(async () => await organization.CreateAsync(new CreateOrganizationCommand("Acme")));
    }

    [Fact]
    public async Task OrganizationGet_Missing_ThrowsNotFound()
    {
        var organization = cluster.GrainFactory.GetGrain<IOrganizationGrain>(ClusterFixture.NewId("org"));

        await Assert.ThrowsAsync<NotFoundException>(async () => await organization.GetAsync());
    }

    [Fact]
    public async Task OrganizationCreate_BlankName_ThrowsInvalidArgument()
    {
        var organization = cluster.GrainFactory.GetGrain<IOrganizationGrain>(ClusterFixture.NewId("org"));

        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await organization.CreateAsync(new CreateOrganizationCommand(" ")));
    }

    [Fact]
    public async Task AddMember_Twice_CountsOnceAndUserIsMember()
    {
        var (organizationId, _) = await cluster.OrganizationWithMembersAsync(0);
        var organization = cluster.GrainFactory.GetGrain<IOrganizationGrain>(organizationId);
        var userId = await cluster.CreateUserAsync();

        await organization.AddMemberAsync(userId);
        var info = await organization.AddMemberAsync(userId);

        Assert.Equal(1, info.MemberCount);
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(userId);
        Assert.True(await user.IsMemberOfAsync(organizationId));
        Assert.Equal([organizationId], (await user.GetProfileAsync()).Organizations);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AddMember_RetryAfterCrashWithPendingMember_CountsExactlyOnce(bool userAlreadyJoined)
    {
        // The state a crash leaves behind: the user is pending (and maybe already joined) but not counted.
        var organizationId = ClusterFixture.NewId("org");
        var userId = await cluster.CreateUserAsync();
        if (userAlreadyJoined)
        {
            await cluster.GrainFactory.GetGrain<IUserGrain>(userId).JoinOrganizationAsync(organizationId);
        }

        var storage = cluster.Services.GetRequiredService<IGrainStorage>();
        await storage.WriteStateAsync("organization", GrainId.Create("Organization", organizationId), new GrainState<OrganizationState>(
            new OrganizationState { Created = true, Name = "Crashed", CreatedAt = DateTimeOffset.UtcNow, PendingMembers = [userId] }));

        var info = await cluster.GrainFactory.GetGrain<IOrganizationGrain>(organizationId).AddMemberAsync(userId);
        var again = await cluster.GrainFactory.GetGrain<IOrganizationGrain>(organizationId).AddMemberAsync(userId);

        Assert.Equal(1, info.MemberCount);
        Assert.Equal(1, again.MemberCount);
        Assert.True(await cluster.GrainFactory.GetGrain<IUserGrain>(userId).IsMemberOfAsync(organizationId));
    }

    [Fact]
    public async Task AddMember_UnknownUser_ThrowsNotFoundAndCountUnchanged()
    {
        var (organizationId, _) = await cluster.OrganizationWithMembersAsync(1);
        var organization = cluster.GrainFactory.GetGrain<IOrganizationGrain>(organizationId);

        await Assert.ThrowsAsync<NotFoundException>(async () => await organization.AddMemberAsync(ClusterFixture.NewId("ghost")));
        Assert.Equal(1, (await organization.GetAsync()).MemberCount);
    }

    [Fact]
    public async Task AddMember_UnknownOrganization_ThrowsNotFound()
    {
        var userId = await cluster.CreateUserAsync();
        var organizationId = ClusterFixture.NewId("org");

        await Assert.ThrowsAsync<NotFoundException>(async () =>
            await cluster.GrainFactory.GetGrain<IOrganizationGrain>(organizationId).AddMemberAsync(userId));
        Assert.False(await cluster.GrainFactory.GetGrain<IUserGrain>(userId).IsMemberOfAsync(organizationId));
    }

    [Fact]
    public async Task UserCreate_New_StoresNormalizedProfile()
    {
        var id = ClusterFixture.NewId("user");
        var email = $"{id}@Example.COM";
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(id);

        var profile = await user.CreateAsync(new CreateUserCommand(" Alice ", "correct horse", email, "+1 (555) 010-9999", "Alice", "Liddell"));

        Assert.Equal(id, profile.Id);
        Assert.Equal(email.ToLowerInvariant(), profile.Email);
        Assert.Equal("+15550109999", profile.Phone);
        Assert.Equal("Alice", profile.DisplayName);
        Assert.Equal("Liddell", profile.LastName);
        Assert.Empty(profile.Organizations);
        Assert.Equivalent(profile, await user.GetProfileAsync(), strict: true);
    }

    [Fact]
    public async Task UserCreate_SameIdTwice_ThrowsConflict()
    {
        var id = await cluster.CreateUserAsync();

        await Assert.ThrowsAsync<ConflictException>(async () =>
            await cluster.GrainFactory.GetGrain<IUserGrain>(id).CreateAsync(new CreateUserCommand("Again", "correct horse")));
    }

    [Fact]
    public async Task UserCreate_EmailTakenInOtherCase_ThrowsConflictAndSecondUserDoesNotExist()
    {
        var email = $"{ClusterFixture.NewId("mail")}@example.com";
        var first = await cluster.CreateUserAsync(email: email);
        var secondId = ClusterFixture.NewId("user");
        var second = cluster.GrainFactory.GetGrain<IUserGrain>(secondId);

        var error = await Assert.ThrowsAsync<ConflictException>(async () =>
            await second.CreateAsync(new CreateUserCommand("Copy", "correct horse", email.ToUpperInvariant())));

        Assert.Equal(ErrorCodes.Conflict, error.Code);
        await Assert.ThrowsAsync<NotFoundException>(async () => await second.GetProfileAsync());
        Assert.Equal(first, await cluster.GrainFactory.GetGrain<IUserLookupGrain>(UserLookupKey.ForEmail(email).ToGrainKey()).GetUserIdAsync());
    }

    [Fact]
    public async Task UserCreate_ConcurrentWithSameEmail_ExactlyOneSucceeds()
    {
        var email = $"{ClusterFixture.NewId("mail")}@example.com";
        var ids = Enumerable.Range(0, 8).Select(_ => ClusterFixture.NewId("user")).ToArray();

        var attempts = ids.Select(async id =>
        {
            try
            {
                await cluster.GrainFactory.GetGrain<IUserGrain>(id).CreateAsync(new CreateUserCommand("Racer", "correct horse", email));
                return id;
            }
            catch (ConflictException)
            {
                return null;
            }
        });
        var winners = (await Task.WhenAll(attempts)).OfType<string>().ToList();

        var winner = Assert.Single(winners);
        Assert.Equal(winner, await cluster.GrainFactory.GetGrain<IUserLookupGrain>(UserLookupKey.ForEmail(email).ToGrainKey()).GetUserIdAsync());
    }

    [Fact]
    public async Task UserCreate_PhoneTaken_ReleasesItsEmailClaim()
    {
        var phone = "+1 555 " + Random.Shared.Next(1000000, 9999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await cluster.CreateUserAsync(phone: phone);
        var email = $"{ClusterFixture.NewId("mail")}@example.com";

        await Assert.ThrowsAsync<ConflictException>(async () =>
            await cluster.GrainFactory.GetGrain<IUserGrain>(ClusterFixture.NewId("user")).CreateAsync(new CreateUserCommand("X", "correct horse", email, phone)));

        // The email was claimed and then released: another user can have it.
        var third = await cluster.CreateUserAsync(email: email);
        Assert.Equal(third, await cluster.GrainFactory.GetGrain<IUserLookupGrain>(UserLookupKey.ForEmail(email).ToGrainKey()).GetUserIdAsync());
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(1, true)]
    public async Task UserCreate_EmailClaimedByUserNeverCreated_TakenOverOnlyOnceAbandoned(int minutesAgo, bool expectConflict)
    {
        // The state a crash between claiming the email and storing the user leaves behind.
        var email = $"{ClusterFixture.NewId("mail")}@example.com";
        var lookupKey = UserLookupKey.ForEmail(email).ToGrainKey();
        await cluster.Services.GetRequiredService<IGrainStorage>().WriteStateAsync("userLookup", GrainId.Create("UserLookup", lookupKey),
            new GrainState<UserLookupState>(new UserLookupState { UserId = ClusterFixture.NewId("crashed"), ClaimedAt = DateTimeOffset.UtcNow.AddMinutes(-minutesAgo) }));
        var id = ClusterFixture.NewId("user");
        var create = async () => await cluster.GrainFactory.GetGrain<IUserGrain>(id).CreateAsync(new CreateUserCommand("New", "correct horse", email));

        if (expectConflict)
        {
            await Assert.ThrowsAsync<ConflictException>(create);
        }
        else
        {
            await create();
            Assert.Equal(id, await cluster.GrainFactory.GetGrain<IUserLookupGrain>(lookupKey).GetUserIdAsync());
        }
    }

    [Fact]
    public async Task UserCreate_EmailOfExistingUserClaimedLongAgo_StillConflicts()
    {
        var owner = await cluster.CreateUserAsync();

        // Even when the claim is old, an owner that exists keeps it.
        var storage = cluster.Services.GetRequiredService<IGrainStorage>();
        var aged = ClusterFixture.NewId("mail") + "@example.com";
        var agedKey = UserLookupKey.ForEmail(aged).ToGrainKey();
        await storage.WriteStateAsync("userLookup", GrainId.Create("UserLookup", agedKey),
            new GrainState<UserLookupState>(new UserLookupState { UserId = owner, ClaimedAt = DateTimeOffset.UtcNow.AddHours(-1) }));

        await Assert.ThrowsAsync<ConflictException>(async () =>
            await cluster.GrainFactory.GetGrain<IUserGrain>(ClusterFixture.NewId("user")).CreateAsync(new CreateUserCommand("X", "correct horse", aged)));
    }

    [Theory]
    [InlineData("", "correct horse")]
    [InlineData("Name", "short")]
    public async Task UserCreate_InvalidInput_ThrowsInvalidArgument(string displayName, string password)
    {
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(ClusterFixture.NewId("user"));

        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await user.CreateAsync(new CreateUserCommand(displayName, password)));
    }

    [Fact]
    public async Task SignIn_RightPassword_StartsActiveSession()
    {
        var id = await cluster.CreateUserAsync(password: "right password");
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(id);

        var session = await user.SignInAsync(new SignInCommand("right password", "device-1"));

        Assert.Equal(id, session.UserId);
        Assert.Equal("device-1", session.Udid);
        Assert.True(await user.IsSessionActiveAsync(session.SessionId));
        Assert.False(await user.IsSessionActiveAsync("not-a-session"));
    }

    [Theory]
    [InlineData("wrong password")]
    [InlineData("")]
    public async Task SignIn_WrongPassword_ThrowsUnauthenticated(string password)
    {
        var id = await cluster.CreateUserAsync(password: "right password");

        await Assert.ThrowsAsync<UnauthenticatedException>(async () =>
            await cluster.GrainFactory.GetGrain<IUserGrain>(id).SignInAsync(new SignInCommand(password, "device-1")));
    }

    [Fact]
    public async Task SignIn_UnknownUser_ThrowsUnauthenticated()
    {
        await Assert.ThrowsAsync<UnauthenticatedException>(async () =>
            await cluster.GrainFactory.GetGrain<IUserGrain>(ClusterFixture.NewId("ghost")).SignInAsync(new SignInCommand("whatever1", "d")));
    }

    [Fact]
    public async Task SignOut_ActiveSession_RevokesOnlyThatSessionAndNotifies()
    {
        var id = await cluster.CreateUserAsync(password: "right password");
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(id);
        var phone = await user.SignInAsync(new SignInCommand("right password", "phone"));
        var laptop = await user.SignInAsync(new SignInCommand("right password", "laptop"));
        var observer = new RecordingObserver();
        await user.SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(observer));

        Assert.True(await user.SignOutAsync(phone.SessionId));

        Assert.False(await user.IsSessionActiveAsync(phone.SessionId));
        Assert.True(await user.IsSessionActiveAsync(laptop.SessionId));
        Assert.False(await user.SignOutAsync(phone.SessionId));
        Assert.Equal(phone.SessionId, (await observer.NextAsync<SessionRevoked>()).SessionId);
    }

    [Fact]
    public async Task SignIn_SameDeviceAgain_ReplacesOldSession()
    {
        var id = await cluster.CreateUserAsync(password: "right password");
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(id);

        var first = await user.SignInAsync(new SignInCommand("right password", "phone"));
        var second = await user.SignInAsync(new SignInCommand("right password", "phone"));

        Assert.NotEqual(first.SessionId, second.SessionId);
        Assert.False(await user.IsSessionActiveAsync(first.SessionId));
        Assert.True(await user.IsSessionActiveAsync(second.SessionId));
    }

    [Fact]
    public async Task RosterQueries_NotMember_ThrowPermissionDenied()
    {
        var (organizationId, _) = await cluster.OrganizationWithMembersAsync(1);
        var outsider = cluster.GrainFactory.GetGrain<IUserGrain>(await cluster.CreateUserAsync());

        await Assert.ThrowsAsync<PermissionDeniedException>(async () => await outsider.GetConversationsAsync(organizationId));
        await Assert.ThrowsAsync<PermissionDeniedException>(async () => await outsider.GetUnreadAsync(organizationId));
    }
}
