using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Push;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// Push tokens and the pushes of new messages, on a silo of its own whose push router is a recording sender, with short
/// retry delays (0.2, 0.4 and 0.6 s). A push that must not go is checked by a later one that must: pushes of one user
/// leave in order.
/// </summary>
public sealed class PushTests : IAsyncLifetime
{
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(600)];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"push-{Guid.NewGuid():N}");
    private readonly RecordingPushSender _sender = new();
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
                .. RetryDelays.Select((d, i) => new KeyValuePair<string, string?>($"Push:RetryDelays:{i}", d.ToString("c", System.Globalization.CultureInfo.InvariantCulture))),
            ],
            services => services.AddSingleton<IPushRouter>(_sender));
        _grains = _host.Services.GetRequiredService<IGrainFactory>();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Message_NoDeviceConnected_OnePushPerRegisteredDevice_WithThePayload()
    {
        var (alice, bob) = await PairAsync();
        var phone = await SignInAsync(bob, "phone");
        var browser = await SignInAsync(bob, "browser");
        await SignInAsync(bob, "tablet"); // no token: no push
        await User(bob).RegisterPushTokenAsync(phone, Fcm("fcm-" + phone));
        await User(bob).RegisterPushTokenAsync(browser, WebPush(browser));
        var body = new string('x', 199) + "😀" + new string('y', 100); // a cut at 200 would split the emoji

        var message = await SendAsync(alice, bob, body);

        var pushes = await _sender.WaitForAsync(bob, 2);
        Assert.Equal(new[] { browser, phone }.Order(), pushes.Select(p => p.DeviceId).Order());
        var fcm = pushes.Single(p => p.DeviceId == phone);
        Assert.Equal(
            (bob, PushProvider.Fcm, "fcm-" + phone, (WebPushKeys?)null, message.ConversationId, _organizationId, message.Id, message.SortNumber, alice, "Test user", "Test user", 1, message.CreatedAt),
            (fcm.UserId, fcm.Provider, fcm.Token, fcm.Keys, fcm.ConversationId, fcm.OrganizationId, fcm.MessageId, fcm.SortNumber, fcm.SenderId, fcm.SenderName, fcm.Title, fcm.Badge, fcm.SentAt));
        Assert.Equal(new string('x', 199), fcm.Body);
        var web = pushes.Single(p => p.DeviceId == browser);
        Assert.Equal((PushProvider.Webpush, Endpoint(browser), WebPushKeysFor()), (web.Provider, web.Token, web.Keys));
        Assert.Empty(_sender.For(alice)); // the sender gets none
    }

    [Fact]
    public async Task Message_ADeviceConnected_NoPush_UntilItGoes()
    {
        var (alice, bob) = await PairAsync();
        var phone = await SignInAsync(bob, "phone");
        await User(bob).RegisterPushTokenAsync(phone, Fcm("fcm-" + phone));
        var host = _grains.CreateObjectReference<IUserObserver>(new RecordingObserver());
        await User(bob).ConnectAsync(host, new DevicePresence(1, 0, Version: 1)); // connected, in the background

        await SendAsync(alice, bob, "while connected");
        await User(bob).ConnectAsync(host, new DevicePresence(0, 0, Version: 2));
        await SendAsync(alice, bob, "after");

        Assert.Equal(["after"], (await _sender.WaitForAsync(bob, 1)).Select(p => p.Body));
        await Task.Delay(300);
        Assert.Equal(["after"], _sender.For(bob).Select(p => p.Body));
    }

    [Fact]
    public async Task Message_MutedNoneLevelMentionsLevelOrSilent_PushesOnlyWhatTheSettingsAllow()
    {
        var (alice, bob) = await PairAsync();
        var phone = await SignInAsync(bob, "phone");
        await User(bob).RegisterPushTokenAsync(phone, Fcm("fcm-" + phone));
        var conversationId = (await SendAsync(alice, bob, "first")).ConversationId;
        await _sender.WaitForAsync(bob, 1);

        await User(bob).MuteConversationAsync(conversationId, 60);
        await SendAsync(alice, bob, "muted");
        await User(bob).UnmuteConversationAsync(conversationId);
        await SendAsync(alice, bob, "silent", silent: true);
        await User(bob).SetNotificationLevelAsync(conversationId, NotificationLevel.None);
        await SendAsync(alice, bob, "level none");
        await User(bob).SetNotificationLevelAsync(conversationId, NotificationLevel.Mentions);
        await SendAsync(alice, bob, "not for you");
        await SendAsync(alice, bob, $"@{bob} look");

        await _sender.WaitForAsync(bob, 2);
        await Task.Delay(300);
        Assert.Equal(["first", $"@{bob} look"], _sender.For(bob).Select(p => p.Body));
    }

    [Fact]
    public async Task GroupMessage_FromAUserISilence_NoPush()
    {
        var (alice, bob) = await PairAsync();
        var carol = await NewUserAsync();
        await _grains.GetGrain<IOrganizationGrain>(_organizationId).AddMemberAsync(carol);
        var phone = await SignInAsync(bob, "phone");
        await User(bob).RegisterPushTokenAsync(phone, Fcm("fcm-" + phone));
        await User(bob).SetPrivacyListAsync(new PrivacyList("blocked", [new PrivacyItem(carol, PrivacyAction.Deny)]));
        await User(bob).SetActivePrivacyListAsync("blocked");
        var group = _grains.GetGrain<IGroupGrain>(GroupKey.For(_organizationId, ClusterFixture.NewId("g")).ToGrainKey());
        await group.CreateAsync(new CreateGroupCommand(alice, "Team", MemberIds: [bob, carol]));

        await group.SendAsync(new SendMessageCommand(carol, "from carol", "c-1"));
        await group.SendAsync(new SendMessageCommand(alice, "from alice", "a-1"));

        var push = Assert.Single(await _sender.WaitForAsync(bob, 1, p => p.Body == "from alice"));
        Assert.Equal(("Team", null), (push.Title, push.SenderName));
        await Task.Delay(300);
        Assert.DoesNotContain(_sender.For(bob), p => p.Body == "from carol");
    }

    [Fact]
    public async Task Send_FailsTwice_RetriedAfterTheDelays_ThenSent()
    {
        var (alice, bob) = await PairAsync();
        var phone = await SignInAsync(bob, "phone");
        var token = "fcm-" + phone;
        await User(bob).RegisterPushTokenAsync(phone, Fcm(token));
        _sender.Answers[token] = new([PushOutcome.Retry, PushOutcome.Retry]);

        await SendAsync(alice, bob, "hello");

        var tries = await _sender.WaitForTriesAsync(token, 3);
        Assert.InRange(tries[1] - tries[0], RetryDelays[0] - TimeSpan.FromMilliseconds(20), RetryDelays[0] + TimeSpan.FromSeconds(2));
        Assert.InRange(tries[2] - tries[1], RetryDelays[1] - TimeSpan.FromMilliseconds(20), RetryDelays[1] + TimeSpan.FromSeconds(2));
        Assert.Single(_sender.For(bob)); // one push sent
        Assert.Single(await User(bob).GetPushTokensAsync(phone));
    }

    [Fact]
    public async Task Send_AlwaysFailing_GivesUpAfterTheLastRetry()
    {
        var (alice, bob) = await PairAsync();
        var phone = await SignInAsync(bob, "phone");
        var token = "fcm-" + phone;
        await User(bob).RegisterPushTokenAsync(phone, Fcm(token));
        _sender.Answers[token] = new(Enumerable.Repeat(PushOutcome.Retry, 10));

        await SendAsync(alice, bob, "hello");

        await _sender.WaitForTriesAsync(token, RetryDelays.Length + 1);
        await Task.Delay(RetryDelays[^1] + TimeSpan.FromMilliseconds(400));
        Assert.Equal(RetryDelays.Length + 1, _sender.TriesOf(token).Count);
        Assert.Empty(_sender.For(bob));
    }

    [Fact]
    public async Task Send_DeadToken_DropsThatDevicesToken_NotTheOthers()
    {
        var (alice, bob) = await PairAsync();
        var phone = await SignInAsync(bob, "phone");
        var tablet = await SignInAsync(bob, "tablet");
        await User(bob).RegisterPushTokenAsync(phone, Fcm("dead-" + phone));
        await User(bob).RegisterPushTokenAsync(tablet, Fcm("fcm-" + tablet));
        _sender.Answers["dead-" + phone] = new([PushOutcome.DeadToken]);

        await SendAsync(alice, bob, "hello");

        await _sender.WaitForTriesAsync("dead-" + phone, 1);
        await WaitUntilAsync(async () => (await User(bob).GetPushTokensAsync(tablet)).Count == 1);
        Assert.Equal([tablet], (await User(bob).GetPushTokensAsync(tablet)).Select(t => t.DeviceId));
        Assert.Single(_sender.TriesOf("dead-" + phone)); // not retried
    }

    [Fact]
    public async Task DropPushToken_ATokenRegisteredSince_Stays()
    {
        var (_, bob) = await PairAsync();
        var phone = await SignInAsync(bob, "phone");
        await User(bob).RegisterPushTokenAsync(phone, Fcm("old"));
        await User(bob).RegisterPushTokenAsync(phone, Fcm("new"));

        Assert.False(await User(bob).DropPushTokenAsync(phone, "old"));
        Assert.Equal(["new"], (await User(bob).GetPushTokensAsync(phone)).Select(t => t.Token));
        Assert.True(await User(bob).DropPushTokenAsync(phone, "new"));
        Assert.Empty(await User(bob).GetPushTokensAsync(phone));
    }

    [Fact]
    public async Task SessionEnd_SignOutOrASignInOnTheSameDevice_DropsItsToken()
    {
        var (_, bob) = await PairAsync();
        var phone = await SignInAsync(bob, "phone");
        var tablet = await SignInAsync(bob, "tablet");
        var laptop = await SignInAsync(bob, "laptop");
        foreach (var session in new[] { phone, tablet, laptop })
        {
            await User(bob).RegisterPushTokenAsync(session, Fcm("fcm-" + session));
        }

        await User(bob).SignOutAsync(phone);
        await SignInAsync(bob, "tablet"); // ends the tablet's earlier session

        Assert.Equal([laptop], (await User(bob).GetPushTokensAsync(laptop)).Select(t => t.DeviceId));
        await Assert.ThrowsAsync<UnauthenticatedException>(() => User(bob).RegisterPushTokenAsync(phone, Fcm("again")).AsTask());
    }

    [Fact]
    public async Task RegisterPushToken_Invalid_ChangesNothing()
    {
        var (_, bob) = await PairAsync();
        var phone = await SignInAsync(bob, "phone");
        await User(bob).RegisterPushTokenAsync(phone, Fcm("kept"));

        foreach (var bad in new[]
        {
            new PushTokenRegistration(null, "t"),
            new PushTokenRegistration(PushProvider.Apns, ""),
            new PushTokenRegistration(PushProvider.Apns, "has space"),
            new PushTokenRegistration(PushProvider.Fcm, new string('t', Validate.MaxPushTokenLength + 1)),
            new PushTokenRegistration(PushProvider.Fcm, "t", Endpoint: "https://push.example/x"),
            WebPush("x") with { Endpoint = "http://push.example/x" },
            WebPush("x") with { Keys = new WebPushKeys(WebPushKeysFor().P256dh, "c2hvcnQ") },
            WebPush("x") with { Keys = new WebPushKeys("AAAA", WebPushKeysFor().Auth) },
            WebPush("x") with { Token = "another" },
        })
        {
            await Assert.ThrowsAsync<InvalidArgumentException>(() => User(bob).RegisterPushTokenAsync(phone, bad).AsTask());
        }

        Assert.Equal(["kept"], (await User(bob).GetPushTokensAsync(phone)).Select(t => t.Token));
    }

    private IUserGrain User(string userId) => _grains.GetGrain<IUserGrain>(userId);

    private static PushTokenRegistration Fcm(string token) => new(PushProvider.Fcm, token);

    private static string Endpoint(string device) => $"https://push.example/send/{device}";

    private static PushTokenRegistration WebPush(string device) => new(PushProvider.Webpush, Endpoint: Endpoint(device), Keys: WebPushKeysFor());

    /// <summary>A P-256 public key (65 bytes, 0x04 first) and a 16-byte secret, base64url, as a browser gives them.</summary>
    private static WebPushKeys WebPushKeysFor() =>
        new("BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "tBHItJI5svbpez7KI4CCXg");

    private async Task<string> SignInAsync(string userId, string device) =>
        (await User(userId).SignInAsync(new SignInCommand("correct horse", device))).SessionId;

    private async Task<Message> SendAsync(string from, string to, string body, bool silent = false) =>
        (await _grains.GetGrain<IConversationGrain>(ConversationKey.For(_organizationId, from, to).ToGrainKey())
            .SendAsync(new SendMessageCommand(from, body, Guid.NewGuid().ToString("N"), Silent: silent))).Message;

    private async Task<(string Alice, string Bob)> PairAsync()
    {
        _organizationId = ClusterFixture.NewId("org");
        var organization = _grains.GetGrain<IOrganizationGrain>(_organizationId);
        await organization.CreateAsync(new CreateOrganizationCommand("Test org"));
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        await organization.AddMemberAsync(alice);
        await organization.AddMemberAsync(bob);
        return (alice, bob);
    }

    private async Task<string> NewUserAsync()
    {
        var userId = ClusterFixture.NewId("user");
        await User(userId).CreateAsync(new CreateUserCommand("Test user", "correct horse"));
        return userId;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(5);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < until, "The condition did not hold within 5 s.");
            await Task.Delay(20);
        }
    }
}

/// <summary>
/// A push router and sender that records every try, answering <see cref="PushOutcome.Sent"/> unless
/// <see cref="Answers"/> holds answers for the token (taken in order, then Sent).
/// </summary>
public sealed class RecordingPushSender : IPushRouter, IPushSender
{
    private readonly ConcurrentQueue<(PushNotification Push, PushOutcome Outcome, DateTimeOffset At)> _tries = new();

    public ConcurrentDictionary<string, ConcurrentQueue<PushOutcome>> Answers { get; } = new(StringComparer.Ordinal);

    public IPushSender For(PushProvider provider) => this;

    public ValueTask<PushOutcome> SendAsync(PushNotification push, CancellationToken cancellationToken = default)
    {
        var outcome = Answers.TryGetValue(push.Token, out var answers) && answers.TryDequeue(out var next) ? next : PushOutcome.Sent;
        _tries.Enqueue((push, outcome, DateTimeOffset.UtcNow));
        return ValueTask.FromResult(outcome);
    }

    /// <summary>The pushes sent to the user's devices, in order.</summary>
    public List<PushNotification> For(string userId) =>
        [.. _tries.Where(t => t.Push.UserId == userId && t.Outcome == PushOutcome.Sent).Select(t => t.Push)];

    /// <summary>When each try of the token was made.</summary>
    public List<DateTimeOffset> TriesOf(string token) => [.. _tries.Where(t => t.Push.Token == token).Select(t => t.At)];

    /// <summary>The pushes sent to the user (those matching), once there are <paramref name="count"/> (waits up to 5 s).</summary>
    public async Task<List<PushNotification>> WaitForAsync(string userId, int count, Func<PushNotification, bool>? match = null)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(5);
        while (true)
        {
            var sent = For(userId).Where(p => match?.Invoke(p) ?? true).ToList();
            if (sent.Count >= count || DateTimeOffset.UtcNow > until)
            {
                Assert.True(sent.Count >= count, $"{sent.Count} of {count} pushes within 5 s.");
                return sent;
            }

            await Task.Delay(20);
        }
    }

    public async Task<List<DateTimeOffset>> WaitForTriesAsync(string token, int count)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(5);
        while (TriesOf(token).Count < count)
        {
            Assert.True(DateTimeOffset.UtcNow < until, $"{TriesOf(token).Count} of {count} tries within 5 s.");
            await Task.Delay(20);
        }

        return TriesOf(token);
    }
}
