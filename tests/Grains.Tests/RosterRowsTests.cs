using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Core.Internal;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// Each roster entry is a row of its own: a change writes its row, never the rest of the roster, and the user's state
/// holds none of it. A roster an earlier version stored inside the state moves into rows on the next activation.
/// </summary>
public sealed class RosterRowsTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"roster-rows-{Guid.NewGuid():N}");
    private IHost? _host;
    private CountingRosterStore? _rosters;
    private IGrainFactory? _grains;
    private string _organization = "";

    public async Task InitializeAsync()
    {
        _host = await ClusterFixture.StartSiloAsync(
            [
                new("Storage:Provider", "Sqlite"),
                new("Storage:Sqlite:Path", Path.Combine(_directory, "chat.db")),
                new("Silo:PasswordHasher:IterationCount", "1000"),
            ],
            services => ClusterFixture.DecorateRosterStore(services, inner => new CountingRosterStore(inner)));
        _rosters = _host.Services.GetRequiredService<CountingRosterStore>();
        _grains = _host.Services.GetRequiredService<IGrainFactory>();
        _organization = ClusterFixture.NewId("org");
        await _grains.GetGrain<IOrganizationGrain>(_organization).CreateAsync(new CreateOrganizationCommand("Rows"));
    }

    public async Task DisposeAsync()
    {
        await _host!.StopAsync();
        _host.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Roster_ManyConversations_EachChangeWritesOnlyItsOwnRow()
    {
        var bob = await CreateUserAsync("bob");
        var others = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            others.Add(await CreateUserAsync($"friend{i}"));
            await Conversation(others[i], bob).SendAsync(new SendMessageCommand(others[i], "hi", $"hi-{i}"));
        }

        // Every new entry is written alone, as it comes (the recipient's roster hears in the background).
        using var timeout = new CancellationTokenSource(Patience);
        while (_rosters!.RowsPerWrite(bob).Count < 5)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Equal(Enumerable.Repeat(1, 5), _rosters.RowsPerWrite(bob));

        // Later changes to one conversation stay in memory, then its row alone is written when the activation ends.
        for (var i = 0; i < 3; i++)
        {
            await Conversation(others[2], bob).SendAsync(new SendMessageCommand(others[2], $"more {i}", $"more-{i}"));
        }

        var busy = ConversationKey.For(_organization, others[2], bob).ToGrainKey();
        while ((await _grains!.GetGrain<IUserGrain>(bob).GetConversationsAsync(_organization)).Single(e => e.Id == busy).UnreadCount < 4)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Equal(5, _rosters.RowsPerWrite(bob).Count);
        await _grains.GetGrain<IUserGrain>(bob).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        while (_rosters.RowsPerWrite(bob).Count == 5)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Equal(1, _rosters.RowsPerWrite(bob)[^1]);
        var stored = await StoredRosterAsync(bob);
        Assert.Equal(5, stored.Count);
        Assert.Equal(4, stored[busy].View.UnreadCount);
        Assert.Empty((await StoredUserAsync(bob)).Conversations);

        // The next activation reads the rows back.
        var roster = await _grains.GetGrain<IUserGrain>(bob).GetConversationsAsync(_organization);
        Assert.Equal(5, roster.Count);
        Assert.Equal(new UnreadSummary(_organization, 8, 5), await _grains.GetGrain<IUserGrain>(bob).GetUnreadAsync(_organization));
    }

    [Fact]
    public async Task HideConversation_WritesItsRowAndStaysHiddenInTheNextActivation()
    {
        var (alice, bob) = (await CreateUserAsync("alice"), await CreateUserAsync("bob"));
        await Conversation(alice, bob).SendAsync(new SendMessageCommand(alice, "hi", "hi-1"));
        var user = _grains!.GetGrain<IUserGrain>(bob);

        await user.HideConversationAsync(ConversationKey.For(_organization, alice, bob).ToGrainKey());

        Assert.Equal([1, 1], _rosters!.RowsPerWrite(bob));
        Assert.Equal(1, Assert.Single(await StoredRosterAsync(bob)).Value.HiddenUpTo);
        await user.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Empty((await user.ListConversationsAsync(_organization, new RosterQuery())).Items);
    }

    [Fact]
    public async Task Roster_StoredInsideTheStateByAnEarlierVersion_MovesIntoRows()
    {
        var (alice, bob) = (await CreateUserAsync("alice"), await CreateUserAsync("bob"));
        await Conversation(alice, bob).SendAsync(new SendMessageCommand(alice, "hi", "hi-1"));
        var view = Assert.Single(await _grains!.GetGrain<IUserGrain>(bob).GetConversationsAsync(_organization));
        var hidden = view with { Id = ConversationKey.For(_organization, bob, ClusterFixture.NewId("gone")).ToGrainKey(), Revision = 1 };

        // What an earlier version stored for carol: her roster inside her state, and no rows.
        var carol = await CreateUserAsync("carol");
        var user = _grains.GetGrain<IUserGrain>(carol);
        await user.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var storage = _host!.Services.GetRequiredService<IGrainStorage>();
        var state = new GrainState<UserState>(new UserState());

        // Once the deactivation has stored its end (it clears the mark its creation set), carol's state stays put.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await storage.ReadStateAsync("user", GrainId.Create("User", carol), state);
            if (!state.State!.RosterMayBeStale)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.False(state.State!.RosterMayBeStale);
        state.State!.Conversations = new() { [view.Id] = view, [hidden.Id] = hidden };
        state.State.Hidden = new() { [hidden.Id] = hidden.LastSortNumber };
        await storage.WriteStateAsync("user", GrainId.Create("User", carol), state);
        Assert.Empty(await StoredRosterAsync(carol));

        var page = await user.ListConversationsAsync(_organization, new RosterQuery());

        Assert.Equal(view, Assert.Single(page.Items));
        var rows = await StoredRosterAsync(carol);
        Assert.Equal((view, (long?)null), (rows[view.Id].View, rows[view.Id].HiddenUpTo));
        Assert.Equal((hidden, (long?)hidden.LastSortNumber), (rows[hidden.Id].View, rows[hidden.Id].HiddenUpTo));
        var after = await StoredUserAsync(carol);
        Assert.Empty(after.Conversations);
        Assert.Empty(after.Hidden);
    }

    private IConversationGrain Conversation(string one, string other) =>
        _grains!.GetGrain<IConversationGrain>(ConversationKey.For(_organization, one, other).ToGrainKey());

    private async Task<string> CreateUserAsync(string name)
    {
        var id = ClusterFixture.NewId(name);
        await _grains!.GetGrain<IUserGrain>(id).CreateAsync(new CreateUserCommand(id, "correct horse"));
        await _grains.GetGrain<IOrganizationGrain>(_organization).AddMemberAsync(id);
        return id;
    }

    private Task<Dictionary<string, RosterEntry>> StoredRosterAsync(string userId) => ClusterFixture.StoredRosterAsync(_rosters!, userId);

    private async Task<UserState> StoredUserAsync(string userId)
    {
        var stored = new GrainState<UserState>(new UserState());
        await _host!.Services.GetRequiredService<IGrainStorage>().ReadStateAsync("user", GrainId.Create("User", userId), stored);
        return stored.State!;
    }

    /// <summary>The real store, counting the rows of every write per user.</summary>
    private sealed class CountingRosterStore(IRosterStore inner) : IRosterStore
    {
        private readonly List<(string UserId, int Rows)> _writes = [];

        public List<int> RowsPerWrite(string userId)
        {
            lock (_writes)
            {
                return [.. _writes.Where(w => w.UserId == userId).Select(w => w.Rows)];
            }
        }

        public ValueTask<IReadOnlyList<RosterRow>> ReadAsync(string userId, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(userId, cancellationToken);

        public async ValueTask WriteAsync(string userId, IReadOnlyList<RosterRow> rows, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(userId, rows, cancellationToken);
            lock (_writes)
            {
                _writes.Add((userId, rows.Count));
            }
        }
    }
}
