using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// Messages that go by themselves (a time to live, delete on read), on a silo of its own over SQLite with a fake clock:
/// the reminder's tick is called directly once the clock has moved, as Orleans would call it.
/// </summary>
public sealed class MessageRemovalTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"removals-{Guid.NewGuid():N}");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IHost> _hosts = [];
    private IGrainFactory _grains = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _grains = (await StartSiloAsync()).Services.GetRequiredService<IGrainFactory>();
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TimeToLive_TheMessageGoesForEveryone_FromHistoryCountsAndStorage()
    {
        var (organizationId, alice, bob) = await PairAsync();
        var conversation = Conversation(organizationId, alice, bob);
        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "self-destructs", "c-1", TtlMinutes: 5))).Message;
        await conversation.SendAsync(new SendMessageCommand(alice, "stays", "c-2"));
        Assert.Equal(_clock.GetUtcNow().AddMinutes(5), sent.ExpiresAt);
        Assert.Equal(2, (await conversation.GetViewAsync(bob)).UnreadCount);

        _clock.Advance(TimeSpan.FromMinutes(5));

        // Reads leave it out at once, before anything removed it.
        Assert.Equal(["stays"], (await conversation.GetHistoryAsync(new HistoryQuery(bob))).Messages.Select(m => m.Body));
        await TickAsync(conversation);

        Assert.Equal(1, (await conversation.GetViewAsync(bob)).UnreadCount);
        await Assert.ThrowsAsync<NotFoundException>(() => conversation.GetMessageAsync(alice, sent.SortNumber).AsTask());
        var change = Assert.Single((await conversation.GetChangesAsync(new ChangesQuery(bob))).Changes);
        Assert.Equal((MessageChangeKind.Expired, sent.SortNumber, null), (change.Kind, change.SortNumber, change.Message));
        var stored = (await Log.ReadAsync(sent.ConversationId, 0, LogDirection.Forward, 1))[0];
        Assert.DoesNotContain("self-destructs", stored.Payload, StringComparison.Ordinal);
        Assert.False(stored.Counted);
    }

    [Fact]
    public async Task TimeToLive_TheOrganizationsMaximumCutsItShort_AndBadValuesAreRefused()
    {
        var (organizationId, alice, bob) = await PairAsync();
        await _grains.GetGrain<IOrganizationGrain>(organizationId).SetSettingsAsync(new OrganizationSettings(MaxMessageTtlMinutes: 2));
        var conversation = Conversation(organizationId, alice, bob);

        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "brief", "c-1", TtlMinutes: 60))).Message;

        Assert.Equal(_clock.GetUtcNow().AddMinutes(2), sent.ExpiresAt);
        Assert.Null((await conversation.SendAsync(new SendMessageCommand(alice, "forever", "c-2"))).Message.ExpiresAt);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => conversation.SendAsync(new SendMessageCommand(alice, "x", "c-3", TtlMinutes: 0)).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => conversation.SendAsync(new SendMessageCommand(alice, "x", "c-4", TtlMinutes: Validate.MaxTtlMinutes + 1)).AsTask());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => _grains.GetGrain<IOrganizationGrain>(organizationId).SetSettingsAsync(new OrganizationSettings(-1)).AsTask());
    }

    [Fact]
    public async Task TimeToLive_ASiloThatStartsAfterTheExpiryRemovesIt()
    {
        var (organizationId, alice, bob) = await PairAsync();
        var sent = (await Conversation(organizationId, alice, bob).SendAsync(new SendMessageCommand(alice, "outlives its silo", "c-1", TtlMinutes: 1))).Message;
        await _hosts[0].StopAsync();
        _hosts[0].Dispose();
        _hosts.RemoveAt(0);
        _clock.Advance(TimeSpan.FromMinutes(2));

        _grains = (await StartSiloAsync()).Services.GetRequiredService<IGrainFactory>();
        var conversation = Conversation(organizationId, alice, bob);

        // The new activation finds the message in its list of those to go, and removes it at once.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while ((await conversation.GetViewAsync(bob)).UnreadCount != 0)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.False((await Log.ReadAsync(sent.ConversationId, 0, LogDirection.Forward, 1))[0].Counted);
    }

    [Fact]
    public async Task DeleteOnRead_OneToOne_GoesOnceTheRecipientReadsIt()
    {
        var (organizationId, alice, bob) = await PairAsync();
        var conversation = Conversation(organizationId, alice, bob);
        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "read once", "c-1", DeleteOnRead: true))).Message;
        Assert.Single((await conversation.GetHistoryAsync(new HistoryQuery(alice))).Messages);

        await conversation.MarkReadAsync(bob, sent.SortNumber);

        Assert.Empty((await conversation.GetHistoryAsync(new HistoryQuery(alice))).Messages);
        Assert.Empty((await conversation.GetHistoryAsync(new HistoryQuery(bob))).Messages);
        Assert.Equal(MessageChangeKind.DeletedOnRead, Assert.Single((await conversation.GetChangesAsync(new ChangesQuery(alice))).Changes).Kind);
    }

    [Fact]
    public async Task DeleteOnRead_Group_GoesOnceEveryOtherMemberReadsIt()
    {
        var (organizationId, users) = await OrganizationAsync(3);
        var group = _grains.GetGrain<IGroupGrain>(GroupKey.For(organizationId, ClusterFixture.NewId("g")).ToGrainKey());
        await group.CreateAsync(new CreateGroupCommand(users[0], "Team", MemberIds: [users[1], users[2]]));
        var sent = (await group.SendAsync(new SendMessageCommand(users[0], "for your eyes", "c-1", DeleteOnRead: true))).Message;

        await group.MarkReadAsync(users[1], sent.SortNumber);
        Assert.Contains((await group.GetHistoryAsync(new HistoryQuery(users[2]))).Messages, m => m.Id == sent.Id);

        await group.MarkReadAsync(users[2], sent.SortNumber);
        Assert.DoesNotContain((await group.GetHistoryAsync(new HistoryQuery(users[0]))).Messages, m => m.Id == sent.Id);
        Assert.DoesNotContain("for your eyes", (await Log.ReadAsync(sent.ConversationId, sent.SortNumber - 1, LogDirection.Forward, 1))[0].Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ephemeral_AResendStaysEphemeral_AForwardIsRefused()
    {
        var (organizationId, alice, bob) = await PairAsync();
        var conversation = Conversation(organizationId, alice, bob);
        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "brief", "c-1", TtlMinutes: 30, DeleteOnRead: true))).Message;
        _clock.Advance(TimeSpan.FromMinutes(1));

        var resent = (await conversation.ResendAsync(new ResendCommand(alice, sent.SortNumber, "c-2"))).Message;

        Assert.Equal((_clock.GetUtcNow().AddMinutes(30), true), (resent.ExpiresAt, resent.DeleteOnRead));
        await Assert.ThrowsAsync<PermissionDeniedException>(() => conversation.PrepareForwardAsync(new ForwardCommand(bob, sent.SortNumber, sent.ConversationId, "f-1")).AsTask());
    }

    private IMessageLog Log => _hosts[^1].Services.GetRequiredService<IMessageLog>();

    private static Task TickAsync(IChatConversation conversation) =>
        conversation.AsReference<IRemindable>().ReceiveReminder("message-removals", default); // MessageRemovals.ReminderName

    private IConversationGrain Conversation(string organizationId, string one, string other) =>
        _grains.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, one, other).ToGrainKey());

    private async Task<(string OrganizationId, string Alice, string Bob)> PairAsync()
    {
        var (organizationId, users) = await OrganizationAsync(2);
        return (organizationId, users[0], users[1]);
    }

    private async Task<(string OrganizationId, string[] Users)> OrganizationAsync(int members)
    {
        var organizationId = ClusterFixture.NewId("org");
        var organization = _grains.GetGrain<IOrganizationGrain>(organizationId);
        await organization.CreateAsync(new CreateOrganizationCommand("Test org"));
        var users = new string[members];
        for (var i = 0; i < members; i++)
        {
            users[i] = ClusterFixture.NewId("user");
            await _grains.GetGrain<IUserGrain>(users[i]).CreateAsync(new CreateUserCommand("Test user", "correct horse"));
            await organization.AddMemberAsync(users[i]);
        }

        return (organizationId, users);
    }

    private async Task<IHost> StartSiloAsync()
    {
        var host = await ClusterFixture.StartSiloAsync(
            [
                new("Storage:Provider", "Sqlite"),
                new("Storage:Sqlite:Path", Path.Combine(_directory, "chat.db")),
                new("Silo:PasswordHasher:IterationCount", "1000"),
            ],
            services => services.AddSingleton<TimeProvider>(_clock));
        _hosts.Add(host);
        return host;
    }
}
