using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence.Sqlite;
using Orleans.Runtime;
using Orleans.Chat.Persistence;
using Orleans.Storage;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// A send stores the message log entry and nothing else; changed roster rows are stored when an activation ends. These tests stand
/// for a killed process with a silo whose SQLite store is closed under it (its activations never end, nothing more
/// reaches the file) and a second silo on the same file, which sees only what the first made durable.
/// </summary>
public sealed class RosterRecoveryTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"roster-recovery-{Guid.NewGuid():N}");
    private readonly List<IHost> _hosts = [];
    private string _organization = "";
    private string _alice = "";
    private string _bob = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var first = await StartSiloAsync();
        _organization = ClusterFixture.NewId("org");
        _alice = ClusterFixture.NewId("alice");
        _bob = ClusterFixture.NewId("bob");
        var grains = first.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IOrganizationGrain>(_organization).CreateAsync(new CreateOrganizationCommand("Recovery"));
        foreach (var user in new[] { _alice, _bob })
        {
            await grains.GetGrain<IUserGrain>(user).CreateAsync(new CreateUserCommand(user, "correct horse"));
            await grains.GetGrain<IOrganizationGrain>(_organization).AddMemberAsync(user);
        }
    }

    public Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Roster_ProcessDiesWithUnsavedChanges_RebuiltFromTheLogOnNextActivation()
    {
        var first = _hosts[0].Services.GetRequiredService<IGrainFactory>();
        await SendAsync(first, count: 5);
        await Conversation(first).MarkReadAsync(_bob, 2);
        await SendAsync(first, count: 1, from: 6);
        var before = await Conversation(first).GetViewAsync(_bob);
        Assert.Equal((6L, 4), (before.LastSortNumber, before.UnreadCount));

        // What the dying process left on disk: the stale mark and the row of the first change only.
        Assert.True((await StoredUserAsync(_hosts[0], _bob)).RosterMayBeStale);
        Assert.Equal(1, (await StoredRosterAsync(_hosts[0], _bob))[before.Id].View.UnreadCount);

        await KillFirstSiloAsync();
        var second = (await StartSiloAsync()).Services.GetRequiredService<IGrainFactory>();
        var roster = Assert.Single(await second.GetGrain<IUserGrain>(_bob).GetConversationsAsync(_organization));

        Assert.Equal(before, roster);
        Assert.Equal(new UnreadSummary(_organization, 4, 1), await second.GetGrain<IUserGrain>(_bob).GetUnreadAsync(_organization));

        // The rebuilt roster is saved, and the stale mark cleared, when the activation ends.
        Assert.True((await StoredUserAsync(_hosts[1], _bob)).RosterMayBeStale);
        await _hosts[1].StopAsync();
        _hosts[1].Dispose();
        var third = await StartSiloAsync();
        Assert.False((await StoredUserAsync(third, _bob)).RosterMayBeStale);
        Assert.Equal(before, (await StoredRosterAsync(third, _bob))[before.Id].View);
    }

    [Fact]
    public async Task Feed_ProcessDiesWithUnsavedChanges_ResetAsksOlderCursorsForASnapshot_NewChangesFollowIt()
    {
        var first = _hosts[0].Services.GetRequiredService<IGrainFactory>();
        await SendAsync(first, count: 3);
        var before = await first.GetGrain<IUserGrain>(_bob).ReadFeedAsync(0, 10);
        Assert.False(before.SnapshotRequired);

        await KillFirstSiloAsync();
        var second = (await StartSiloAsync()).Services.GetRequiredService<IGrainFactory>();
        var bob = second.GetGrain<IUserGrain>(_bob);
        var afterCrash = await bob.ReadFeedAsync(before.Last, 10);

        // Whatever the dead activation held in memory may never have been fed: a cursor from before it cannot be replayed.
        Assert.True(afterCrash.SnapshotRequired);
        Assert.True(afterCrash.Last > before.Last);
        await SendAsync(second, count: 1, from: 4);
        for (var attempt = 0; attempt < 100 && (await bob.ReadFeedAsync(afterCrash.Last, 10)).Entries.Count == 0; attempt++)
        {
            await Task.Delay(50);
        }

        var next = await bob.ReadFeedAsync(afterCrash.Last, 10);
        Assert.False(next.SnapshotRequired);
        Assert.Equal(4, Assert.Single(next.Entries).SortNumber);
    }

    [Fact]
    public async Task Roster_RebuildIsSlow_UserAnswersMeanwhileAndRosterReadsWaitForIt()
    {
        var first = _hosts[0].Services.GetRequiredService<IGrainFactory>();
        await SendAsync(first, count: 3);
        await Conversation(first).MarkReadAsync(_bob, 1);
        var before = await Conversation(first).GetViewAsync(_bob);

        // After the crash, the message log answers nothing until the gate opens: bob's rebuild cannot finish.
        await KillFirstSiloAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = (await StartSiloAsync(gate.Task)).Services.GetRequiredService<IGrainFactory>();
        var bob = second.GetGrain<IUserGrain>(_bob);

        var profile = await bob.GetProfileAsync().AsTask().WaitAsync(Patience);
        var session = await bob.SignInAsync(new SignInCommand("correct horse", "phone")).AsTask().WaitAsync(Patience);
        Assert.Equal((_bob, _bob), (profile.Id, session.UserId));

        var roster = bob.GetConversationsAsync(_organization).AsTask();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(roster.IsCompleted, "a roster read answered before the rebuild finished");

        gate.SetResult();
        Assert.Equal(before, Assert.Single(await roster.WaitAsync(Patience)));
        Assert.Equal(new UnreadSummary(_organization, 2, 1), await bob.GetUnreadAsync(_organization));
    }

    [Fact]
    public async Task Roster_FirstCallAfterCrashIsASendToTheStaleUser_CompletesAndCounts()
    {
        var first = _hosts[0].Services.GetRequiredService<IGrainFactory>();
        await SendAsync(first, count: 3);

        // The send activates the conversation, which pushes to bob, whose activation rebuilds his roster by asking
        // the same conversation, still inside that send: this must not wait on itself.
        await KillFirstSiloAsync();
        var second = (await StartSiloAsync()).Services.GetRequiredService<IGrainFactory>();
        var sent = await Conversation(second).SendAsync(new SendMessageCommand(_alice, "after the crash", "after-1")).AsTask().WaitAsync(Patience);

        Assert.Equal(4, sent.Message.SortNumber);
        var roster = Assert.Single(await second.GetGrain<IUserGrain>(_bob).GetConversationsAsync(_organization));
        Assert.Equal((4L, 4, sent.Message), (roster.LastSortNumber, roster.UnreadCount, roster.LastMessage));
    }

    [Fact]
    public async Task Roster_CleanShutdown_SavesRosterAndLaterChangesStillApply()
    {
        var first = _hosts[0].Services.GetRequiredService<IGrainFactory>();
        await SendAsync(first, count: 4);
        await Conversation(first).MarkReadAsync(_bob, 4);
        var saved = await Conversation(first).GetViewAsync(_bob);
        await _hosts[0].StopAsync();
        _hosts[0].Dispose();

        var restarted = await StartSiloAsync();
        Assert.False((await StoredUserAsync(restarted, _bob)).RosterMayBeStale);
        Assert.Equal(saved, (await StoredRosterAsync(restarted, _bob))[saved.Id].View);

        // The saved roster holds the last revision: the next send after a restart must still count as newer.
        var second = restarted.Services.GetRequiredService<IGrainFactory>();
        await SendAsync(second, count: 1, from: 5);
        var roster = Assert.Single(await second.GetGrain<IUserGrain>(_bob).GetConversationsAsync(_organization));
        Assert.Equal((5L, 1), (roster.LastSortNumber, roster.UnreadCount));
        Assert.True(roster.Revision > saved.Revision);
    }

    private IConversationGrain Conversation(IGrainFactory grains) =>
        grains.GetGrain<IConversationGrain>(ConversationKey.For(_organization, _alice, _bob).ToGrainKey());

    private async Task SendAsync(IGrainFactory grains, int count, int from = 1)
    {
        for (var i = from; i < from + count; i++)
        {
            await Conversation(grains).SendAsync(new SendMessageCommand(_alice, $"message {i}", $"m-{i}"));
        }
    }

    /// <summary>Closes the first silo's store as a killed process would: what it acknowledged is on disk, nothing else.</summary>
    private ValueTask KillFirstSiloAsync() => _hosts[0].Services.GetRequiredService<SqliteStore>().DisposeAsync();

    /// <summary>A silo on the shared file; with a gate, its message log answers only once the gate opens.</summary>
    private async Task<IHost> StartSiloAsync(Task? gate = null)
    {
        var host = await ClusterFixture.StartSiloAsync(
            [
                new("Storage:Provider", "Sqlite"),
                new("Storage:Sqlite:Path", Path.Combine(_directory, "chat.db")),
                new("Silo:PasswordHasher:IterationCount", "1000"),
            ],
            services =>
            {
                if (gate is not null)
                {
                    var log = services.Last(d => d.ServiceType == typeof(IMessageLog)).ImplementationType!;
                    services.AddSingleton<IMessageLog>(sp => new GatedMessageLog((IMessageLog)ActivatorUtilities.CreateInstance(sp, log), gate));
                }
            });
        _hosts.Add(host);
        return host;
    }

    private static async Task<UserState> StoredUserAsync(IHost host, string userId)
    {
        var stored = new GrainState<UserState>(new UserState());
        await host.Services.GetRequiredService<IGrainStorage>().ReadStateAsync("user", GrainId.Create("User", userId), stored);
        return stored.State!;
    }

    private static Task<Dictionary<string, RosterEntry>> StoredRosterAsync(IHost host, string userId) =>
        ClusterFixture.StoredRosterAsync(host.Services.GetRequiredService<IRosterStore>(), userId);

    /// <summary>A message log whose every call waits for the gate.</summary>
    private sealed class GatedMessageLog(IMessageLog inner, Task gate) : IMessageLog
    {
        public async ValueTask<LogEntry> AppendAsync(LogEntry entry, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.AppendAsync(entry, cancellationToken);
        }

        public async ValueTask<IReadOnlyList<LogEntry>> ReadAsync(string logId, long fromSequence, LogDirection direction, int limit, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.ReadAsync(logId, fromSequence, direction, limit, cancellationToken);
        }

        public async ValueTask<LogEntry?> FindByIdAsync(string logId, string entryId, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.FindByIdAsync(logId, entryId, cancellationToken);
        }

        public async ValueTask<LogEntry?> FindByIdempotencyKeyAsync(string logId, string idempotencyKey, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.FindByIdempotencyKeyAsync(logId, idempotencyKey, cancellationToken);
        }

        public async ValueTask<long> GetLastSequenceAsync(string logId, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.GetLastSequenceAsync(logId, cancellationToken);
        }

        public async ValueTask<LogCount> CountAsync(string logId, long afterSequence, long upToSequence, IReadOnlyCollection<string>? excludedAuthorIds, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.CountAsync(logId, afterSequence, upToSequence, excludedAuthorIds, cancellationToken);
        }

        public async ValueTask<bool> ReviseAsync(string logId, long sequence, string entryId, string payload, bool counted, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.ReviseAsync(logId, sequence, entryId, payload, counted, cancellationToken);
        }
    }
}
