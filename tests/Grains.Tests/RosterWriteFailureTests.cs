using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Core.Internal;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// A roster entry a user grain failed to store must not count as applied. The sender's own roster is part of the send:
/// its failure fails the send, and the send's retry stores it. The recipient's is pushed in the background: the
/// conversation tries again until it is stored.
/// </summary>
public sealed class RosterWriteFailureTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"roster-write-failure-{Guid.NewGuid():N}");
    private IHost? _host;
    private FlakyGrainStorage? _storage;
    private FlakyRosterStore? _rosters;
    private IGrainFactory? _grains;
    private string _organization = "";
    private string _alice = "";
    private string _bob = "";

    public async Task InitializeAsync()
    {
        // Our SQLite grain storage and roster store behind decorators that fail one chosen write.
        _host = await ClusterFixture.StartSiloAsync(
            [
                new("Storage:Provider", "Sqlite"),
                new("Storage:Sqlite:Path", Path.Combine(_directory, "chat.db")),
                new("Silo:PasswordHasher:IterationCount", "1000"),
            ],
            services =>
            {
                ClusterFixture.DecorateGrainStorage(services, inner => new FlakyGrainStorage(inner));
                ClusterFixture.DecorateRosterStore(services, inner => new FlakyRosterStore(inner));
            });
        _storage = _host.Services.GetRequiredService<FlakyGrainStorage>();
        _rosters = _host.Services.GetRequiredService<FlakyRosterStore>();
        _grains = _host.Services.GetRequiredService<IGrainFactory>();
        (_organization, _alice, _bob) = (ClusterFixture.NewId("org"), ClusterFixture.NewId("alice"), ClusterFixture.NewId("bob"));
        await _grains.GetGrain<IOrganizationGrain>(_organization).CreateAsync(new CreateOrganizationCommand("Flaky"));
        foreach (var user in new[] { _alice, _bob })
        {
            await _grains.GetGrain<IUserGrain>(user).CreateAsync(new CreateUserCommand(user, "correct horse"));
            await _grains.GetGrain<IOrganizationGrain>(_organization).AddMemberAsync(user);
        }
    }

    public async Task DisposeAsync()
    {
        await _host!.StopAsync();
        _host.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Send_SenderRosterWriteFails_SendFailsAndItsRetryStoresTheEntry()
    {
        _rosters!.FailNextWriteOf = _alice;
        // Orleans hands the caller a type it may not deserialize (IOException) as an OrleansException with its message.
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () => await Conversation.SendAsync(new SendMessageCommand(_alice, "hello", "m-1")));
        Assert.Contains("Injected storage failure", failure.ToString(), StringComparison.Ordinal);
        Assert.Empty(await _grains!.GetGrain<IUserGrain>(_alice).GetConversationsAsync(_organization));

        var retry = await Conversation.SendAsync(new SendMessageCommand(_alice, "hello", "m-1"));

        Assert.False(retry.Created);
        Assert.Equal(1, Assert.Single(await StoredRosterAsync(_alice)).View.LastSortNumber);
        Assert.True((await StoredUserAsync(_alice)).RosterMayBeStale);
    }

    [Fact]
    public async Task Send_SenderStaleMarkWriteFails_SendFailsAndItsRetryStoresTheEntry()
    {
        // A fresh activation, whose first change stores the mark (creating the user stored it for the first one).
        await _grains!.GetGrain<IUserGrain>(_alice).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await EventuallyAsync(async () => !(await StoredUserAsync(_alice)).RosterMayBeStale);
        _storage!.FailNextWriteOf = GrainId.Create("User", _alice);
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () => await Conversation.SendAsync(new SendMessageCommand(_alice, "hello", "m-1")));
        Assert.Contains("Injected storage failure", failure.ToString(), StringComparison.Ordinal);
        // Not applied (the row, written beside the mark, may be stored: a row only moves forward, and the retry writes it again).
        Assert.Empty(await _grains!.GetGrain<IUserGrain>(_alice).GetConversationsAsync(_organization));

        await Conversation.SendAsync(new SendMessageCommand(_alice, "hello", "m-1"));

        Assert.Equal(1, Assert.Single(await StoredRosterAsync(_alice)).View.LastSortNumber);
        Assert.True((await StoredUserAsync(_alice)).RosterMayBeStale);
    }

    [Fact]
    public async Task Send_RecipientRosterWriteFails_SendSucceedsAndTheConversationStoresTheEntryLater()
    {
        _rosters!.FailNextWriteOf = _bob;

        var sent = await Conversation.SendAsync(new SendMessageCommand(_alice, "hello", "m-1"));

        Assert.True(sent.Created);
        using var timeout = new CancellationTokenSource(Patience);
        List<RosterEntry> stored;
        while ((stored = await StoredRosterAsync(_bob)).Count == 0)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Null(_rosters.FailNextWriteOf); // The injected failure did happen.
        Assert.Equal(1, Assert.Single(stored).View.UnreadCount);
        Assert.True((await StoredUserAsync(_bob)).RosterMayBeStale);
    }

    [Fact]
    public async Task Deactivation_AnotherActivationWroteTheStateFirst_TheRosterReachesTheNextActivation()
    {
        await Conversation.SendAsync(new SendMessageCommand(_alice, "hello", "m-1"));
        var view = await Conversation.GetViewAsync(_bob);
        var bob = _grains!.GetGrain<IUserGrain>(_bob);

        // A change only this activation holds, in memory: newer than the conversation knows, so no rebuild restores it.
        var later = view with { Revision = view.Revision + 5, UnreadCount = 6, LastSortNumber = 6 };
        await bob.ApplyConversationUpdateAsync(new ConversationUpdate(_bob, later));

        // Its save on deactivation finds the state written by another activation (what an ETag conflict throws).
        _storage!.FailNextWriteOf = GrainId.Create("User", _bob);
        _storage.Failure = new InconsistentStateException("Injected ETag conflict.", "stored", "held");
        await bob.Cast<IGrainManagementExtension>().DeactivateOnIdle();

        using var timeout = new CancellationTokenSource(Patience);
        while (Assert.Single(await bob.GetConversationsAsync(_organization)) != later)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Null(_storage.FailNextWriteOf); // The injected conflict did happen.
    }

    private IConversationGrain Conversation => _grains!.GetGrain<IConversationGrain>(ConversationKey.For(_organization, _alice, _bob).ToGrainKey());

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 100 && !await condition(); attempt++)
        {
            await Task.Delay(50);
        }

        Assert.True(await condition());
    }

    private async Task<UserState> StoredUserAsync(string userId)
    {
        var stored = new GrainState<UserState>(new UserState());
        await _storage!.ReadStateAsync("user", GrainId.Create("User", userId), stored);
        return stored.State!;
    }

    private async Task<List<RosterEntry>> StoredRosterAsync(string userId) => [.. (await ClusterFixture.StoredRosterAsync(_rosters!, userId)).Values];

    /// <summary>Fails the next roster write of one user, once; otherwise the real store.</summary>
    private sealed class FlakyRosterStore(IRosterStore inner) : IRosterStore
    {
        public string? FailNextWriteOf { get; set; }

        public ValueTask<IReadOnlyList<RosterRow>> ReadAsync(string userId, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(userId, cancellationToken);

        public ValueTask WriteAsync(string userId, IReadOnlyList<RosterRow> rows, CancellationToken cancellationToken = default)
        {
            if (FailNextWriteOf == userId)
            {
                FailNextWriteOf = null;
                throw new IOException("Injected storage failure.");
            }

            return inner.WriteAsync(userId, rows, cancellationToken);
        }
    }

    /// <summary>Fails the next write of one grain's state, once; otherwise the real storage.</summary>
    internal sealed class FlakyGrainStorage(IGrainStorage inner) : IGrainStorage
    {
        public GrainId? FailNextWriteOf { get; set; }

        public Exception Failure { get; set; } = new IOException("Injected storage failure.");

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (FailNextWriteOf == grainId)
            {
                FailNextWriteOf = null;
                throw Failure;
            }

            return inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
