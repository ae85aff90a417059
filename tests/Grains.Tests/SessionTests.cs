using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>Refresh tokens (rotation, reuse ends the session, expiry) and the list of a user's sessions.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SessionTests(ClusterFixture cluster)
{
    private const string Password = "correct horse";

    [Fact]
    public async Task Refresh_RotatesTheToken_AndTheOldOneIsUsedUp()
    {
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(await cluster.CreateUserAsync());
        var session = await user.SignInAsync(new SignInCommand(Password, "phone"));

        var refreshed = await user.RefreshSessionAsync(new RefreshSessionCommand(session.RefreshToken));

        Assert.Equal(session.SessionId, refreshed.SessionId);
        Assert.NotEqual(session.RefreshToken, refreshed.RefreshToken);
        var again = await user.RefreshSessionAsync(new RefreshSessionCommand(refreshed.RefreshToken));
        Assert.True(await user.IsSessionActiveAsync(again.SessionId));
        Assert.NotNull((await user.ListSessionsAsync(session.SessionId)).Single().LastRefreshedAt);
    }

    [Fact]
    public async Task Refresh_AUsedToken_EndsTheSessionAndTellsTheDevices()
    {
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(await cluster.CreateUserAsync());
        var session = await user.SignInAsync(new SignInCommand(Password, "phone"));
        var refreshed = await user.RefreshSessionAsync(new RefreshSessionCommand(session.RefreshToken));
        var devices = new RecordingObserver();
        await user.SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(devices));

        var reused = await Assert.ThrowsAsync<UnauthenticatedException>(() => user.RefreshSessionAsync(new RefreshSessionCommand(session.RefreshToken)).AsTask());

        Assert.Equal(AuthFailureReasons.RefreshReused, reused.Reason);
        Assert.False(await user.IsSessionActiveAsync(session.SessionId));
        Assert.Equal(session.SessionId, (await devices.NextAsync<SessionRevoked>()).SessionId);

        // The newest token dies with the session.
        var revoked = await Assert.ThrowsAsync<UnauthenticatedException>(() => user.RefreshSessionAsync(new RefreshSessionCommand(refreshed.RefreshToken)).AsTask());
        Assert.Equal(AuthFailureReasons.Revoked, revoked.Reason);
    }

    [Fact]
    public async Task Refresh_AnExpiredToken_IsRefusedAndTheSessionStays()
    {
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(await cluster.CreateUserAsync());
        var session = await user.SignInAsync(new SignInCommand(Password, "phone", RefreshTokenLifetime: TimeSpan.FromMilliseconds(300)));
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        var expired = await Assert.ThrowsAsync<UnauthenticatedException>(() => user.RefreshSessionAsync(new RefreshSessionCommand(session.RefreshToken)).AsTask());

        Assert.Equal(AuthFailureReasons.RefreshExpired, expired.Reason);
        Assert.True(await user.IsSessionActiveAsync(session.SessionId));
    }

    [Fact]
    public async Task Refresh_ATokenOfAnotherUserOrGarbage_IsMalformedAndChangesNothing()
    {
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(await cluster.CreateUserAsync());
        var other = cluster.GrainFactory.GetGrain<IUserGrain>(await cluster.CreateUserAsync());
        var mine = await user.SignInAsync(new SignInCommand(Password, "phone"));
        var theirs = await other.SignInAsync(new SignInCommand(Password, "phone"));
        var forged = new RefreshToken("not-the-secret", mine.SessionId, user.GetPrimaryKeyString()).ToString();

        foreach (var token in new[] { theirs.RefreshToken, "garbage", forged })
        {
            var refused = await Assert.ThrowsAsync<UnauthenticatedException>(() => user.RefreshSessionAsync(new RefreshSessionCommand(token)).AsTask());
            Assert.Equal(AuthFailureReasons.Malformed, refused.Reason);
        }

        // Nothing was used up: the real token still works once.
        await user.RefreshSessionAsync(new RefreshSessionCommand(mine.RefreshToken));
        await other.RefreshSessionAsync(new RefreshSessionCommand(theirs.RefreshToken));
    }

    [Fact]
    public async Task ListSessions_ShowsMyDevicesOldestFirst_AndMarksTheCurrentOne()
    {
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(await cluster.CreateUserAsync());
        var phone = await user.SignInAsync(new SignInCommand(Password, "phone"));
        var laptop = await user.SignInAsync(new SignInCommand(Password, "laptop"));

        var sessions = await user.ListSessionsAsync(laptop.SessionId);

        Assert.Equal(
            [(phone.SessionId, "phone", false, (DateTimeOffset?)null), (laptop.SessionId, "laptop", true, null)],
            sessions.Select(s => (s.Id, s.Udid, s.Current, s.LastRefreshedAt)));
        Assert.True(await user.SignOutAsync(phone.SessionId));
        Assert.Equal([laptop.SessionId], (await user.ListSessionsAsync(laptop.SessionId)).Select(s => s.Id));
    }
}
