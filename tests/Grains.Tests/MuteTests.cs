using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// Mutes and notification levels, on a silo of its own over SQLite with a fake clock: the reminder's tick is called
/// directly once the clock has moved, as Orleans would call it.
/// </summary>
public sealed class MuteTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"mutes-{Guid.NewGuid():N}");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private IHost _host = null!;
    private IGrainFactory _grains = null!;
    private string _organizationId = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _host = await ClusterFixture.StartSiloAsync(
            [
                new("Storage:Provider", "Sqlite"),
                new("Storage:Sqlite:Path", Path.Combine(_directory, "chat.db")),
                new("Silo:PasswordHasher:IterationCount", "1000"),
            ],
            services => services.AddSingleton<TimeProvider>(_clock));
        _grains = _host.Services.GetRequiredService<IGrainFactory>();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Mute_ShowsInTheEntryTheListAndTheStoredRow_UnmuteEndsIt()
    {
        var (organizationId, alice, bob, _) = await OrganizationAsync();
        var conversationId = await SendAsync(alice, bob);
        var me = User(bob);

        var muted = await me.MuteConversationAsync(conversationId, 60);

        Assert.Equal(_clock.GetUtcNow().AddMinutes(60), muted.MutedUntil);
        Assert.Equal(muted.MutedUntil, Entry(await me.ListConversationsAsync(organizationId, new RosterQuery()), conversationId).MutedUntil);
        Assert.Equal([conversationId], (await me.GetMutedAsync(organizationId)).Select(v => v.Id));
        Assert.Equal(muted.MutedUntil, (await StoredAsync(bob))[conversationId].View.MutedUntil);
        Assert.Null(Entry(await User(alice).ListConversationsAsync(organizationId, new RosterQuery()), conversationId).MutedUntil);

        var unmuted = await me.UnmuteConversationAsync(conversationId);

        Assert.Null(unmuted.MutedUntil);
        Assert.Empty(await me.GetMutedAsync(organizationId));
        Assert.Null((await StoredAsync(bob))[conversationId].View.MutedUntil);
    }

    [Fact]
    public async Task Mute_AMessageKeepsTheMute()
    {
        var (organizationId, alice, bob, _) = await OrganizationAsync();
        var conversationId = await SendAsync(alice, bob);
        var until = (await User(bob).MuteConversationAsync(conversationId, 60)).MutedUntil;

        await SendAsync(alice, bob, "again");

        var entry = Entry(await User(bob).ListConversationsAsync(organizationId, new RosterQuery()), conversationId);
        Assert.Equal((until, 2), (entry.MutedUntil, entry.UnreadCount));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(525_601)]
    public async Task Mute_MinutesOutOfRange_InvalidArgumentAndNothingChanges(int minutes)
    {
        var (organizationId, alice, bob, _) = await OrganizationAsync();
        var conversationId = await SendAsync(alice, bob);

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => User(bob).MuteConversationAsync(conversationId, minutes).AsTask());

        Assert.Equal("minutes", error.ParameterName);
        Assert.Empty(await User(bob).GetMutedAsync(organizationId));
    }

    [Fact]
    public async Task Mute_AConversationNotInMyRoster_NotFound()
    {
        var (_, alice, bob, carol) = await OrganizationAsync();
        var theirs = await SendAsync(alice, carol);
        var stranger = await OtherOrganizationUserAsync();

        await Assert.ThrowsAsync<NotFoundException>(() => User(bob).MuteConversationAsync(theirs, 10).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => User(stranger).MuteConversationAsync(theirs, 10).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => User(bob).UnmuteConversationAsync(theirs).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => User(bob).SetNotificationLevelAsync(theirs, NotificationLevel.None).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => User(bob).MuteConversationAsync("no-such-conversation", 10).AsTask());
    }

    [Fact]
    public async Task ListMuted_OfAnOrganizationIAmNotIn_PermissionDenied()
    {
        var (organizationId, _, _, _) = await OrganizationAsync();
        var stranger = await OtherOrganizationUserAsync();

        await Assert.ThrowsAsync<PermissionDeniedException>(() => User(stranger).GetMutedAsync(organizationId).AsTask());
        await Assert.ThrowsAsync<PermissionDeniedException>(() => User(stranger).UnmuteAllAsync(organizationId).AsTask());
    }

    [Fact]
    public async Task UnmuteAll_EndsEveryMuteOfTheOrganization()
    {
        var (organizationId, alice, bob, carol) = await OrganizationAsync();
        var withAlice = await SendAsync(alice, bob);
        var withCarol = await SendAsync(carol, bob);
        await User(bob).MuteConversationAsync(withAlice, 10);
        await User(bob).MuteConversationAsync(withCarol, 20);

        Assert.Equal([withAlice, withCarol], (await User(bob).GetMutedAsync(organizationId)).Select(v => v.Id));
        Assert.Equal(2, await User(bob).UnmuteAllAsync(organizationId));

        Assert.Empty(await User(bob).GetMutedAsync(organizationId));
        Assert.Equal(0, await User(bob).UnmuteAllAsync(organizationId));
    }

    [Fact]
    public async Task EndsByItself_TheReminderEndsTheEarliestTellsTheDevicesAndMovesToTheNext()
    {
        var (organizationId, alice, bob, carol) = await OrganizationAsync();
        var first = await SendAsync(alice, bob);
        var second = await SendAsync(carol, bob);
        var me = User(bob);
        await me.MuteConversationAsync(second, 10);
        await me.MuteConversationAsync(first, 5);
        Assert.NotNull(await ReminderAsync(bob));
        var devices = new RecordingObserver();
        await me.SubscribeAsync(_grains.CreateObjectReference<IUserObserver>(devices));

        _clock.Advance(TimeSpan.FromMinutes(5));
        await TickAsync(bob);

        // The mutes themselves may reach the new observer too (a change is told once stored): wait for the end.
        var ended = await devices.NextAsync<ConversationChanged>(c => c.Conversation.Id == first && c.Conversation.MutedUntil is null);
        Assert.Null(ended.Conversation.MutedUntil);
        Assert.Equal([second], (await me.GetMutedAsync(organizationId)).Select(v => v.Id));
        Assert.NotNull(await ReminderAsync(bob));

        _clock.Advance(TimeSpan.FromMinutes(5));
        await TickAsync(bob);

        Assert.Empty(await me.GetMutedAsync(organizationId));
        Assert.Null(await ReminderAsync(bob));
    }

    [Fact]
    public async Task EndsByItself_AReadPastTheEndShowsItEnded_BeforeTheReminder()
    {
        var (organizationId, alice, bob, _) = await OrganizationAsync();
        var conversationId = await SendAsync(alice, bob);
        await User(bob).MuteConversationAsync(conversationId, 5);
        Assert.Equal(0, (await User(bob).GetUnreadAsync(organizationId)).UnreadCount);

        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(Entry(await User(bob).ListConversationsAsync(organizationId, new RosterQuery()), conversationId).MutedUntil);
        Assert.Equal(1, (await User(bob).GetUnreadAsync(organizationId)).UnreadCount);
        Assert.Empty(await User(bob).GetMutedAsync(organizationId));
    }

    [Fact]
    public async Task UnreadTotals_LeaveMutedOut_UnlessTheSettingCountsThem()
    {
        var (organizationId, alice, bob, carol) = await OrganizationAsync();
        var muted = await SendAsync(alice, bob);
        await SendAsync(alice, bob, "two");
        await SendAsync(carol, bob);
        var me = User(bob);
        Assert.False((await me.GetNotificationSettingsAsync()).CountMutedInUnreadTotal);

        await me.MuteConversationAsync(muted, 60);
        await SendAsync(alice, bob, "three");

        Assert.Equal((1, 1), Totals(await me.GetUnreadAsync(organizationId)));
        Assert.Equal(3, Entry(await me.ListConversationsAsync(organizationId, new RosterQuery()), muted).UnreadCount);

        Assert.True((await me.UpdateNotificationSettingsAsync(new NotificationSettingsChanges(true))).CountMutedInUnreadTotal);
        Assert.Equal((4, 2), Totals(await me.GetUnreadAsync(organizationId)));
        Assert.True((await me.UpdateNotificationSettingsAsync(new NotificationSettingsChanges())).CountMutedInUnreadTotal);

        await me.UpdateNotificationSettingsAsync(new NotificationSettingsChanges(false));
        Assert.Equal((1, 1), Totals(await me.GetUnreadAsync(organizationId)));

        await me.UnmuteConversationAsync(muted);
        Assert.Equal((4, 2), Totals(await me.GetUnreadAsync(organizationId)));
    }

    [Fact]
    public async Task ShouldPush_FollowsMuteLevelMentionsSilenceAndPrivacy()
    {
        var (_, alice, bob, carol) = await OrganizationAsync();
        var conversationId = await SendAsync(alice, bob);
        var message = (await Conversation(alice, bob).SendAsync(new SendMessageCommand(alice, "hi", "c-push"))).Message;
        var mentioning = message with { Mentions = [bob] };
        var me = User(bob);

        Assert.True(await me.ShouldPushAsync(message));
        Assert.False(await me.ShouldPushAsync(message with { Silent = true }));
        Assert.False(await me.ShouldPushAsync(message with { SenderId = bob }));
        Assert.False(await User(carol).ShouldPushAsync(message));

        Assert.Equal(NotificationLevel.Mentions, (await me.SetNotificationLevelAsync(conversationId, NotificationLevel.Mentions)).NotificationLevel);
        Assert.False(await me.ShouldPushAsync(message));
        Assert.True(await me.ShouldPushAsync(mentioning));

        await me.SetNotificationLevelAsync(conversationId, NotificationLevel.None);
        Assert.False(await me.ShouldPushAsync(mentioning));

        await me.SetNotificationLevelAsync(conversationId, NotificationLevel.All);
        await me.MuteConversationAsync(conversationId, 5);
        Assert.False(await me.ShouldPushAsync(mentioning));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await me.ShouldPushAsync(message));

        await me.SetPrivacyListAsync(new PrivacyList("blocked", [new PrivacyItem(alice, PrivacyAction.Deny)]));
        await me.SetActivePrivacyListAsync("blocked");
        Assert.False(await me.ShouldPushAsync(message));
    }

    [Fact]
    public async Task NotificationLevel_IsKeptInTheEntryAndItsRow_AndAnUndefinedOneIsRefused()
    {
        var (organizationId, alice, bob, _) = await OrganizationAsync();
        var conversationId = await SendAsync(alice, bob);

        await User(bob).SetNotificationLevelAsync(conversationId, NotificationLevel.Mentions);
        await SendAsync(alice, bob, "again");

        Assert.Equal(NotificationLevel.Mentions, Entry(await User(bob).ListConversationsAsync(organizationId, new RosterQuery()), conversationId).NotificationLevel);
        Assert.Equal(NotificationLevel.Mentions, (await StoredAsync(bob))[conversationId].View.NotificationLevel);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => User(bob).SetNotificationLevelAsync(conversationId, (NotificationLevel)7).AsTask());
        Assert.Equal(NotificationLevel.All, Entry(await User(alice).ListConversationsAsync(organizationId, new RosterQuery()), conversationId).NotificationLevel);
    }

    private static (int Unread, int Conversations) Totals(UnreadSummary summary) => (summary.UnreadCount, summary.UnreadConversationCount);

    private static ConversationView Entry(RosterPage page, string conversationId) => Assert.Single(page.Items, v => v.Id == conversationId);

    private IUserGrain User(string userId) => _grains.GetGrain<IUserGrain>(userId);

    private Task TickAsync(string userId) => User(userId).AsReference<IRemindable>().ReceiveReminder("mute-ends", default); // UserGrain.MuteReminder

    private Task<ReminderEntry?> ReminderAsync(string userId) =>
        _host.Services.GetRequiredService<IReminderTable>().ReadRow(User(userId).GetGrainId(), "mute-ends")!;

    private Task<Dictionary<string, RosterEntry>> StoredAsync(string userId) =>
        ClusterFixture.StoredRosterAsync(_host.Services.GetRequiredService<IRosterStore>(), userId);

    private IConversationGrain Conversation(string one, string other) =>
        _grains.GetGrain<IConversationGrain>(ConversationKey.For(_organizationId, one, other).ToGrainKey());

    private async Task<string> SendAsync(string from, string to, string body = "hello") =>
        (await Conversation(from, to).SendAsync(new SendMessageCommand(from, body, Guid.NewGuid().ToString("N")))).Message.ConversationId;

    private async Task<(string OrganizationId, string Alice, string Bob, string Carol)> OrganizationAsync()
    {
        _organizationId = ClusterFixture.NewId("org");
        var organization = _grains.GetGrain<IOrganizationGrain>(_organizationId);
        await organization.CreateAsync(new CreateOrganizationCommand("Test org"));
        var users = new string[3];
        for (var i = 0; i < users.Length; i++)
        {
            users[i] = await NewUserAsync();
            await organization.AddMemberAsync(users[i]);
        }

        return (_organizationId, users[0], users[1], users[2]);
    }

    private async Task<string> OtherOrganizationUserAsync()
    {
        var organization = _grains.GetGrain<IOrganizationGrain>(ClusterFixture.NewId("org"));
        await organization.CreateAsync(new CreateOrganizationCommand("Other org"));
        var userId = await NewUserAsync();
        await organization.AddMemberAsync(userId);
        return userId;
    }

    private async Task<string> NewUserAsync()
    {
        var userId = ClusterFixture.NewId("user");
        await User(userId).CreateAsync(new CreateUserCommand("Test user", "correct horse"));
        return userId;
    }
}
