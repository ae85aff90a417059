using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Grains.Tests;

/// <summary>A roster entry the user grain failed to store must not count as applied: the send's retry stores it.</summary>
public sealed class RosterWriteFailureTests : IAsyncLifetime
{
    private IHost? _host;
    private FlakyGrainStorage? _storage;

    public async Task InitializeAsync()
    {
        _host = await ClusterFixture.StartSiloAsync(
            [new("Storage:Provider", "InMemory"), new("Silo:PasswordHasher:IterationCount", "1000")],
            services =>
            {
                var inner = services.Last(d => d.ServiceType == typeof(IGrainStorage)).ImplementationType!;
                services.AddSingleton(sp => new FlakyGrainStorage((IGrainStorage)ActivatorUtilities.CreateInstance(sp, inner)));
                services.AddSingleton<IGrainStorage>(sp => sp.GetRequiredService<FlakyGrainStorage>());
            });
        _storage = _host.Services.GetRequiredService<FlakyGrainStorage>();
    }

    public async Task DisposeAsync()
    {
        await _host!.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task Send_RecipientRosterWriteFails_SendFailsAndItsRetryStoresTheEntry()
    {
        var grains = _host!.Services.GetRequiredService<IGrainFactory>();
        var (organization, alice, bob) = (ClusterFixture.NewId("org"), ClusterFixture.NewId("alice"), ClusterFixture.NewId("bob"));
        await grains.GetGrain<IOrganizationGrain>(organization).CreateAsync(new CreateOrganizationCommand("Flaky"));
        foreach (var user in new[] { alice, bob })
        {
            await grains.GetGrain<IUserGrain>(user).CreateAsync(new CreateUserCommand(user, "correct horse"));
            await grains.GetGrain<IOrganizationGrain>(organization).AddMemberAsync(user);
        }

        var conversation = grains.GetGrain<IConversationGrain>(ConversationKey.For(organization, alice, bob).ToGrainKey());
        _storage!.FailNextWriteOf = new GrainId("User", bob);
        await Assert.ThrowsAsync<IOException>(async () => await conversation.SendAsync(new SendMessageCommand(alice, "hello", "m-1")));
        Assert.Empty(await grains.GetGrain<IUserGrain>(bob).GetConversationsAsync(organization));

        var retry = await conversation.SendAsync(new SendMessageCommand(alice, "hello", "m-1"));

        Assert.False(retry.Created);
        var stored = new StoredState<UserState>(new UserState());
        await _storage.ReadStateAsync("user", new GrainId("User", bob), stored);
        Assert.Equal(1, Assert.Single(stored.State.Conversations).Value.UnreadCount);
        Assert.True(stored.State.RosterMayBeStale);
    }

    /// <summary>Fails the next write of one grain's state, once; otherwise the real storage.</summary>
    private sealed class FlakyGrainStorage(IGrainStorage inner) : IGrainStorage
    {
        public GrainId? FailNextWriteOf { get; set; }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default) =>
            inner.ReadStateAsync(stateName, grainId, grainState, cancellationToken);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
        {
            if (FailNextWriteOf == grainId)
            {
                FailNextWriteOf = null;
                throw new IOException("Injected storage failure.");
            }

            return inner.WriteStateAsync(stateName, grainId, grainState, cancellationToken);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default) =>
            inner.ClearStateAsync(stateName, grainId, grainState, cancellationToken);
    }
}
