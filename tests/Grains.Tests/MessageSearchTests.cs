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
/// The search index as the grains keep it, on a silo of its own over SQLite with a fake clock (as in
/// <see cref="MessageRemovalTests"/>), and a store without an index.
/// </summary>
public sealed class MessageSearchTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"search-{Guid.NewGuid():N}");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IHost> _hosts = [];

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
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
    public async Task TimeToLive_AnExpiredMessageIsNotFound_AndLeavesTheIndex()
    {
        var host = await StartSiloAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var (organizationId, alice, bob) = await PairAsync(grains);
        var conversation = grains.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, alice, bob).ToGrainKey());
        var sent = (await conversation.SendAsync(new SendMessageCommand(alice, "self-destructs soon", "c-1", TtlMinutes: 5))).Message;
        await conversation.SendAsync(new SendMessageCommand(alice, "stays soon", "c-2"));
        var search = grains.GetGrain<IMessageSearchGrain>(0);
        var index = host.Services.GetRequiredService<IMessageSearch>();
        Assert.Equal(2, (await search.SearchAsync(new MessageSearchQuery(alice, organizationId, "soon"))).Items.Count);

        _clock.Advance(TimeSpan.FromMinutes(5));

        // Found no more at once (the conversation says it is gone, whether or not a sweep ran yet); the sweep empties the index.
        Assert.Equal(["stays soon"], (await search.SearchAsync(new MessageSearchQuery(alice, organizationId, "soon"))).Items.Select(i => i.Message.Body));
        await conversation.AsReference<IRemindable>().ReceiveReminder("message-removals", default); // MessageRemovals.ReminderName
        Assert.Empty(await index.SearchAsync([sent.ConversationId], ["self"], 0, 10));
    }

    [Fact]
    public async Task AStoreWithoutAnIndex_AnswersNotSupported_AfterCheckingTheInput()
    {
        var host = await StartSiloAsync(services => services.AddSingleton<IMessageSearch, UnsupportedMessageSearch>());
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var (organizationId, alice, bob) = await PairAsync(grains);
        await grains.GetGrain<IConversationGrain>(ConversationKey.For(organizationId, alice, bob).ToGrainKey()).SendAsync(new SendMessageCommand(alice, "not indexed", "c-1"));
        var search = grains.GetGrain<IMessageSearchGrain>(0);

        var refused = await Assert.ThrowsAsync<UnsupportedException>(() => search.SearchAsync(new MessageSearchQuery(alice, organizationId, "indexed")).AsTask());
        Assert.Equal(ErrorCodes.NotSupported, refused.Code);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => search.SearchAsync(new MessageSearchQuery(alice, organizationId, "")).AsTask());
    }

    private static async Task<(string OrganizationId, string Alice, string Bob)> PairAsync(IGrainFactory grains)
    {
        var organizationId = ClusterFixture.NewId("org");
        var organization = grains.GetGrain<IOrganizationGrain>(organizationId);
        await organization.CreateAsync(new CreateOrganizationCommand("Test org"));
        var users = new string[2];
        for (var i = 0; i < users.Length; i++)
        {
            users[i] = ClusterFixture.NewId("user");
            await grains.GetGrain<IUserGrain>(users[i]).CreateAsync(new CreateUserCommand("Test user", "correct horse"));
            await organization.AddMemberAsync(users[i]);
        }

        return (organizationId, users[0], users[1]);
    }

    private async Task<IHost> StartSiloAsync(Action<IServiceCollection>? configure = null)
    {
        var host = await ClusterFixture.StartSiloAsync(
            [
                new("Storage:Provider", "Sqlite"),
                new("Storage:Sqlite:Path", Path.Combine(_directory, "chat.db")),
                new("Silo:PasswordHasher:IterationCount", "1000"),
            ],
            services =>
            {
                services.AddSingleton<TimeProvider>(_clock);
                configure?.Invoke(services);
            });
        _hosts.Add(host);
        return host;
    }
}
