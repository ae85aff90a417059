using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Storage;
using static Orleans.Chat.Grains.Tests.RosterWriteFailureTests;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// A contact change is stored on two grains, the higher id's first. A write that fails fails the user's call, and the
/// user's retry of the same call leaves both sides stored, each told once.
/// </summary>
public sealed class ContactWriteFailureTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"contact-write-failure-{Guid.NewGuid():N}");
    private IHost? _host;
    private FlakyGrainStorage? _storage;
    private IGrainFactory? _grains;
    private string _lower = "";
    private string _higher = "";

    public async Task InitializeAsync()
    {
        _host = await ClusterFixture.StartSiloAsync(
            [
                new("Storage:Provider", "Sqlite"),
                new("Storage:Sqlite:Path", Path.Combine(_directory, "chat.db")),
                new("Silo:PasswordHasher:IterationCount", "1000"),
            ],
            services =>
            {
                ClusterFixture.DecorateGrainStorage(services, inner => new FlakyGrainStorage(inner));
            });
        _storage = _host.Services.GetRequiredService<FlakyGrainStorage>();
        _grains = _host.Services.GetRequiredService<IGrainFactory>();
        var (organization, run) = (ClusterFixture.NewId("org"), Guid.NewGuid().ToString("N"));
        (_lower, _higher) = ($"a-{run}", $"b-{run}");
        await _grains.GetGrain<IOrganizationGrain>(organization).CreateAsync(new CreateOrganizationCommand("Flaky"));
        foreach (var user in new[] { _lower, _higher })
        {
            await _grains.GetGrain<IUserGrain>(user).CreateAsync(new CreateUserCommand(user, "correct horse"));
            await _grains.GetGrain<IOrganizationGrain>(organization).AddMemberAsync(user);
        }
    }

    public async Task DisposeAsync()
    {
        await _host!.StopAsync();
        _host.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Request_TheFirstWriteFails_NothingChangesAnywhere_AndTheRetryStoresBoth()
    {
        var (lowerEvents, higherEvents) = (await ObserveAsync(_lower), await ObserveAsync(_higher));
        _storage!.FailNextWriteOf = GrainId.Create("User", _higher);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => ActAsync(_lower, _higher, ContactAction.Request));
        Assert.Contains("Injected storage failure", failure.ToString(), StringComparison.Ordinal);
        Assert.Empty(await ContactsAsync(_lower));
        Assert.Empty(await ContactsAsync(_higher));

        await ActAsync(_lower, _higher, ContactAction.Request);

        await AssertRequestedOnceAsync(lowerEvents, higherEvents, asker: _lower);
    }

    [Fact]
    public async Task Request_TheOtherSidesWriteFailsAfterMine_TheRetryRepairsIt_AndNobodyHearsTwice()
    {
        // The higher id asks: its grain is written first, then the lower's (the other side), which fails.
        var (lowerEvents, higherEvents) = (await ObserveAsync(_lower), await ObserveAsync(_higher));
        _storage!.FailNextWriteOf = GrainId.Create("User", _lower);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => ActAsync(_higher, _lower, ContactAction.Request));
        Assert.Contains("Injected storage failure", failure.ToString(), StringComparison.Ordinal);
        Assert.Equal(ContactState.RequestedByMe, Assert.Single(await ContactsAsync(_higher)).State);
        Assert.Empty(await ContactsAsync(_lower)); // behind: the failed write was undone in memory too

        Assert.Equal(ContactState.RequestedByMe, (await ActAsync(_higher, _lower, ContactAction.Request))!.State);

        await AssertRequestedOnceAsync(higherEvents, lowerEvents, asker: _higher);
    }

    [Fact]
    public async Task Confirm_TheCoordinatorsWriteFails_TheRetryRepairsIt()
    {
        await ActAsync(_higher, _lower, ContactAction.Request);
        _storage!.FailNextWriteOf = GrainId.Create("User", _lower);

        await Assert.ThrowsAnyAsync<Exception>(() => ActAsync(_lower, _higher, ContactAction.Confirm));
        Assert.Equal(ContactState.Confirmed, Assert.Single(await ContactsAsync(_higher)).State);
        Assert.Equal(ContactState.RequestedByThem, Assert.Single(await ContactsAsync(_lower)).State);

        var retried = await ActAsync(_lower, _higher, ContactAction.Confirm);

        Assert.Equal(ContactState.Confirmed, retried!.State);
        Assert.Equal(retried with { ContactId = _lower }, Assert.Single(await ContactsAsync(_higher)));
        Assert.Equal(retried, Assert.Single(await ContactsAsync(_lower)));
    }

    private async Task AssertRequestedOnceAsync(RecordingObserver askerEvents, RecordingObserver askedEvents, string asker)
    {
        var asked = asker == _lower ? _higher : _lower;
        var (mine, theirs) = (Assert.Single(await ContactsAsync(asker)), Assert.Single(await ContactsAsync(asked)));
        Assert.Equal(new Contact(asked, ContactState.RequestedByMe, mine.Since), mine);
        Assert.Equal(new Contact(asker, ContactState.RequestedByThem, mine.Since), theirs);

        // A later change to wait for: one requested each, then that.
        await ActAsync(asker, asked, ContactAction.Remove);
        foreach (var events in new[] { askerEvents, askedEvents })
        {
            await events.NextAsync<ContactChanged>(c => c.Kind == ContactChangeKind.Removed);
            lock (events.Received)
            {
                Assert.Equal([ContactChangeKind.Requested, ContactChangeKind.Removed], events.Received.OfType<ContactChanged>().Select(c => c.Kind));
            }
        }
    }

    private Task<Contact?> ActAsync(string actorId, string contactId, ContactAction action)
    {
        var command = new ContactCommand(actorId, contactId, action);
        return _grains!.GetGrain<IUserGrain>(command.CoordinatorId).ChangeContactAsync(command).AsTask();
    }

    private async Task<IReadOnlyList<Contact>> ContactsAsync(string userId) => await _grains!.GetGrain<IUserGrain>(userId).GetContactsAsync(null);

    private async Task<RecordingObserver> ObserveAsync(string userId)
    {
        var events = new RecordingObserver();
        await _grains!.GetGrain<IUserGrain>(userId).SubscribeAsync(_grains.CreateObjectReference<IUserObserver>(events));
        return events;
    }
}
