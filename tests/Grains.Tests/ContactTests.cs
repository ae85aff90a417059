using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// Contacts on both users' grains: each step mirrored on both sides and heard by both, repeats that change nothing,
/// who may ask whom, and the bounds. Pairs are made in both id orders, since the lower id's grain coordinates.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ContactTests(ClusterFixture cluster)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RequestThenConfirm_BothSidesListItAndHearEachStep(bool lowerAsks)
    {
        var (asker, asked) = Order(await PairAsync(), lowerAsks);
        var (askerEvents, askedEvents) = (await ObserveAsync(asker), await ObserveAsync(asked));

        var requested = await ActAsync(asker, asked, ContactAction.Request);

        Assert.Equal((asked, ContactState.RequestedByMe), (requested!.ContactId, requested.State));
        Assert.Equal(requested, Assert.Single(await ContactsAsync(asker)));
        Assert.Equal(new Contact(asker, ContactState.RequestedByThem, requested.Since), Assert.Single(await ContactsAsync(asked)));
        Assert.Equal(new ContactChanged(asker, asked, ContactChangeKind.Requested, ContactState.RequestedByMe, asker, requested.Since), await askerEvents.NextAsync<ContactChanged>());
        Assert.Equal(new ContactChanged(asked, asker, ContactChangeKind.Requested, ContactState.RequestedByThem, asker, requested.Since), await askedEvents.NextAsync<ContactChanged>());

        var confirmed = await ActAsync(asked, asker, ContactAction.Confirm);

        Assert.Equal((asker, ContactState.Confirmed), (confirmed!.ContactId, confirmed.State));
        Assert.True(confirmed.Since >= requested.Since);
        Assert.Equal(new Contact(asked, ContactState.Confirmed, confirmed.Since), Assert.Single(await ContactsAsync(asker)));
        Assert.Equal(confirmed, Assert.Single(await ContactsAsync(asked, ContactState.Confirmed)));
        Assert.Empty(await ContactsAsync(asked, ContactState.RequestedByThem));
        foreach (var (events, userId, contactId) in new[] { (askerEvents, asker, asked), (askedEvents, asked, asker) })
        {
            var heard = await events.NextAsync<ContactChanged>(c => c.Kind == ContactChangeKind.Confirmed);
            Assert.Equal(new ContactChanged(userId, contactId, ContactChangeKind.Confirmed, ContactState.Confirmed, asked, confirmed.Since), heard);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RequestAndConfirm_Repeated_ReturnTheSameState_AndTellNobodyAgain(bool lowerAsks)
    {
        var (asker, asked) = Order(await PairAsync(), lowerAsks);
        var (askerEvents, askedEvents) = (await ObserveAsync(asker), await ObserveAsync(asked));

        var first = await ActAsync(asker, asked, ContactAction.Request);
        Assert.Equal(first, await ActAsync(asker, asked, ContactAction.Request));
        var confirmed = await ActAsync(asked, asker, ContactAction.Confirm);
        Assert.Equal(confirmed, await ActAsync(asked, asker, ContactAction.Confirm));
        Assert.Equal(confirmed, await ActAsync(asked, asker, ContactAction.Request)); // asking a contact: already one
        Assert.Equal(ContactState.Confirmed, (await ActAsync(asker, asked, ContactAction.Request))!.State);

        // A last change to wait for: everything before it has been told by then.
        await ActAsync(asker, asked, ContactAction.Remove);
        await askerEvents.NextAsync<ContactChanged>(c => c.Kind == ContactChangeKind.Removed);
        await askedEvents.NextAsync<ContactChanged>(c => c.Kind == ContactChangeKind.Removed);
        Assert.Equal([ContactChangeKind.Requested, ContactChangeKind.Confirmed, ContactChangeKind.Removed], Kinds(askerEvents));
        Assert.Equal([ContactChangeKind.Requested, ContactChangeKind.Confirmed, ContactChangeKind.Removed], Kinds(askedEvents));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Request_WhenTheyAskedFirst_Confirms(bool lowerAsksFirst)
    {
        var (first, second) = Order(await PairAsync(), lowerAsksFirst);
        var firstEvents = await ObserveAsync(first);
        await ActAsync(first, second, ContactAction.Request);

        var crossing = await ActAsync(second, first, ContactAction.Request);

        Assert.Equal(ContactState.Confirmed, crossing!.State);
        Assert.Equal(ContactState.Confirmed, Assert.Single(await ContactsAsync(first)).State);
        Assert.Equal(second, (await firstEvents.NextAsync<ContactChanged>(c => c.Kind == ContactChangeKind.Confirmed)).ActorId);
    }

    [Fact]
    public async Task Request_AnotherOrganizationsUserOrAMissingOne_TheSameNotFound_NothingStoredNobodyTold()
    {
        var (me, colleague) = await PairAsync();
        var (_, strangers) = await cluster.OrganizationWithMembersAsync(1);
        var stranger = strangers[0];
        var strangerEvents = await ObserveAsync(stranger);
        var myEvents = await ObserveAsync(me);

        // Whichever side coordinates: a stranger and a missing user below and above my id.
        var refusals = new List<string>();
        foreach (var other in new[] { stranger, "0-" + Guid.NewGuid().ToString("N"), "zz-" + Guid.NewGuid().ToString("N") })
        {
            refusals.Add((await Assert.ThrowsAsync<NotFoundException>(() => ActAsync(me, other, ContactAction.Request))).Message);
            refusals.Add((await Assert.ThrowsAsync<NotFoundException>(() => ActAsync(me, other, ContactAction.Confirm))).Message);
        }

        refusals.Add((await Assert.ThrowsAsync<NotFoundException>(() => ActAsync(stranger, me, ContactAction.Request))).Message);
        Assert.Equal(["No user you can see matches."], refusals.Distinct());
        Assert.Empty(await ContactsAsync(me));
        Assert.Empty(await ContactsAsync(stranger));

        // Ending what is not there succeeds whoever the id names, so it tells nothing either.
        Assert.Null(await ActAsync(me, stranger, ContactAction.Remove));
        Assert.Null(await ActAsync(me, "0-" + Guid.NewGuid().ToString("N"), ContactAction.Reject));
        await ActAsync(me, colleague, ContactAction.Request);
        await myEvents.NextAsync<ContactChanged>();
        Assert.Empty(strangerEvents.Received);
        Assert.Equal(colleague, Assert.Single(myEvents.Received.OfType<ContactChanged>()).ContactId);
    }

    [Fact]
    public async Task Request_Myself_IsInvalid()
    {
        var (me, _) = await PairAsync();

        await Assert.ThrowsAsync<InvalidArgumentException>(() => ActAsync(me, me, ContactAction.Request));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => ActAsync(me, "not an id", ContactAction.Request));
        Assert.Empty(await ContactsAsync(me));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ConfirmAndReject_ARequestNeverMade_OrMyOwn_AreNotFound(bool lowerAsks)
    {
        var (asker, asked) = Order(await PairAsync(), lowerAsks);

        var never = await Assert.ThrowsAsync<NotFoundException>(() => ActAsync(asked, asker, ContactAction.Confirm));
        Assert.Equal("No contact request from this user.", never.Message);
        var request = await ActAsync(asker, asked, ContactAction.Request);
        await Assert.ThrowsAsync<NotFoundException>(() => ActAsync(asker, asked, ContactAction.Confirm));
        await Assert.ThrowsAsync<NotFoundException>(() => ActAsync(asker, asked, ContactAction.Reject));

        Assert.Equal(request, Assert.Single(await ContactsAsync(asker)));
        Assert.Equal(ContactState.RequestedByThem, Assert.Single(await ContactsAsync(asked)).State);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RejectRemoveAndCancel_LeaveNothingOnEitherSide_AndTellBoth(bool lowerAsks)
    {
        var (asker, asked) = Order(await PairAsync(), lowerAsks);
        var (askerEvents, askedEvents) = (await ObserveAsync(asker), await ObserveAsync(asked));

        await ActAsync(asker, asked, ContactAction.Request);
        Assert.Null(await ActAsync(asked, asker, ContactAction.Reject));
        await AssertNoContactAsync(asker, asked);
        var firstRejected = await askerEvents.NextAsync<ContactChanged>(c => c.Kind == ContactChangeKind.Rejected);
        Assert.Equal((asker, (ContactState?)null, asked), (firstRejected.UserId, firstRejected.State, firstRejected.ActorId));
        Assert.Equal(asked, (await askedEvents.NextAsync<ContactChanged>(c => c.Kind == ContactChangeKind.Rejected)).UserId);

        await ActAsync(asker, asked, ContactAction.Request);
        Assert.Null(await ActAsync(asker, asked, ContactAction.Remove)); // cancels my request
        await AssertNoContactAsync(asker, asked);
        Assert.Equal(asker, (await askedEvents.NextAsync<ContactChanged>(c => c.Kind == ContactChangeKind.Removed)).ActorId);

        await ActAsync(asker, asked, ContactAction.Request);
        await ActAsync(asked, asker, ContactAction.Confirm);
        Assert.Null(await ActAsync(asked, asker, ContactAction.Remove)); // ends the contact
        await AssertNoContactAsync(asker, asked);
        Assert.Equal(asked, (await askerEvents.NextAsync<ContactChanged>(c => c.Kind == ContactChangeKind.Removed && c.ActorId == asked)).ActorId);

        // Removing a request made to me refuses it.
        await ActAsync(asker, asked, ContactAction.Request);
        await ActAsync(asked, asker, ContactAction.Remove);
        Assert.Equal(asked, (await askerEvents.NextAsync<ContactChanged>(c => c.Kind == ContactChangeKind.Rejected && c.At > firstRejected.At)).ActorId);
        await AssertNoContactAsync(asker, asked);
    }

    [Fact]
    public async Task Bounds_ContactsAndRequestsReceived_Conflict_AndChangeNothing()
    {
        var (_, users) = await cluster.OrganizationWithMembersAsync(ContactLimits.MaxContacts + 2);
        var (me, others, last) = (users[0], users[1..^1], users[^1]);
        await Parallel.ForEachAsync(others, async (other, _) => await ActAsync(me, other, ContactAction.Request));

        await Assert.ThrowsAsync<ConflictException>(() => ActAsync(me, last, ContactAction.Request));
        Assert.Empty(await ContactsAsync(last));
        Assert.Equal(ContactState.RequestedByMe, (await ActAsync(me, others[0], ContactAction.Request))!.State); // a repeat is no more

        // Their request to me waits (requests received have their own bound); accepting it would be one too many.
        await ActAsync(last, me, ContactAction.Request);
        await Assert.ThrowsAsync<ConflictException>(() => ActAsync(me, last, ContactAction.Confirm));
        await Assert.ThrowsAsync<ConflictException>(() => ActAsync(me, last, ContactAction.Request));
        Assert.Equal(ContactLimits.MaxContacts + 1, (await ContactsAsync(me)).Count);
        Assert.Equal(ContactState.RequestedByMe, Assert.Single(await ContactsAsync(last)).State);

        // Requests waiting for one user's answer: the one past the bound is refused, the user can still answer them.
        var askers = others[..(ContactLimits.MaxRequestsReceived + 1)];
        await Parallel.ForEachAsync(askers[..^1], async (asker, _) => await ActAsync(asker, last, ContactAction.Request));
        await Assert.ThrowsAsync<ConflictException>(() => ActAsync(askers[^1], last, ContactAction.Request));
        Assert.Equal(ContactLimits.MaxRequestsReceived, (await ContactsAsync(last, ContactState.RequestedByThem)).Count);
        Assert.Equal(ContactState.Confirmed, (await ActAsync(last, askers[0], ContactAction.Confirm))!.State);
        Assert.Equal(ContactState.RequestedByMe, (await ActAsync(askers[^1], last, ContactAction.Request))!.State);
    }

    /// <summary>An organization with two users, the first with the lower id.</summary>
    private async Task<(string Lower, string Higher)> PairAsync()
    {
        var (_, users) = await cluster.OrganizationWithMembersAsync(2);
        return string.CompareOrdinal(users[0], users[1]) < 0 ? (users[0], users[1]) : (users[1], users[0]);
    }

    private static (string Actor, string Other) Order((string Lower, string Higher) pair, bool lowerActs) =>
        lowerActs ? pair : (pair.Higher, pair.Lower);

    private Task<Contact?> ActAsync(string actorId, string contactId, ContactAction action)
    {
        var command = new ContactCommand(actorId, contactId, action);
        return cluster.GrainFactory.GetGrain<IUserGrain>(command.CoordinatorId).ChangeContactAsync(command).AsTask();
    }

    private async Task<IReadOnlyList<Contact>> ContactsAsync(string userId, ContactState? state = null) =>
        await cluster.GrainFactory.GetGrain<IUserGrain>(userId).GetContactsAsync(state);

    private async Task AssertNoContactAsync(string a, string b)
    {
        Assert.Empty(await ContactsAsync(a));
        Assert.Empty(await ContactsAsync(b));
    }

    private async Task<RecordingObserver> ObserveAsync(string userId)
    {
        var events = new RecordingObserver();
        await cluster.GrainFactory.GetGrain<IUserGrain>(userId).SubscribeAsync(cluster.GrainFactory.CreateObjectReference<IUserObserver>(events));
        return events;
    }

    private static List<ContactChangeKind> Kinds(RecordingObserver events)
    {
        lock (events.Received)
        {
            return [.. events.Received.OfType<ContactChanged>().Select(c => c.Kind)];
        }
    }
}
