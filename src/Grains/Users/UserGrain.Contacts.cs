using Microsoft.Extensions.Logging;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// Contacts. A contact is an entry on each of its two users' grains, one the mirror of the other (my "requested by me"
/// is their "requested by them"). Every action goes to the grain of the pair's lower id, the coordinator, which asks the
/// higher id's grain: that one decides from its own entry and stores first; the coordinator then stores the mirror of
/// what it answered. Grain calls between contacts thus only go from a lower id to a higher one, so two users acting on
/// each other at once queue up instead of each holding their turn while waiting for the other's.
/// <para>
/// When something fails: the higher side is written first and every decision is made there, so it holds the latest
/// state. A failure before it stored (a refusal, a storage error, its silo gone) changes nothing anywhere. A failure
/// between the two writes (the coordinator's write fails, or the coordinator's silo dies before it stored) leaves the
/// coordinator behind and the user's call failed or timed out: the retry repeats the action, which the higher side finds
/// done (the same state, no second event) and the coordinator now stores and announces. Until a retry, or the pair's
/// next action of any kind, the coordinator's user lists the old state; nothing is decided from it.
/// </para>
/// </summary>
public sealed partial class UserGrain
{
    public async ValueTask<Contact?> ChangeContactAsync(ContactCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var actorId = Validate.Id(command.ActorId, "actorId");
        var contactId = Validate.Id(command.ContactId, "userId");
        if (string.Equals(actorId, contactId, StringComparison.Ordinal))
        {
            throw new InvalidArgumentException("You cannot be your own contact.", "userId");
        }

        if (!Enum.IsDefined(command.Action))
        {
            throw new InvalidArgumentException("Unknown contact action.", "action");
        }

        var myId = this.GetPrimaryKeyString();
        if (!string.Equals(command.CoordinatorId, myId, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"A contact command goes to the grain of the pair's lower id, '{command.CoordinatorId}'.");
        }

        if (!S.Created)
        {
            // I am the contact named, and missing: nothing to end, nobody to ask (the one answer of a failed lookup).
            return IsEnding(command.Action) ? null : throw UserNotFound();
        }

        EnsureAcceptsRequestFrom(actorId, command.Action);
        var otherId = string.Equals(actorId, myId, StringComparison.Ordinal) ? contactId : actorId;
        var before = S.Contacts.GetValueOrDefault(otherId);
        var (contacts, requestsReceived) = CountContactsBesides(otherId);
        var paired = new PairedContactCommand(command, [.. S.Organizations], contacts, requestsReceived, timeProvider.GetUtcNow());
        var theirs = await GrainFactory.GetGrain<IUserGrain>(otherId).ApplyContactAsync(paired);

        var after = theirs is null ? null : new Contact(otherId, Mirror(theirs.State)!.Value, theirs.Since);
        try
        {
            await StoreContactAsync(otherId, before, after, actorId, paired.At);
        }
        catch (Exception exception)
        {
            LogContactBehind(logger, exception, myId, otherId);
            throw;
        }

        return string.Equals(actorId, myId, StringComparison.Ordinal) ? after : theirs;
    }

    public async ValueTask<Contact?> ApplyContactAsync(PairedContactCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var (actorId, action) = (command.Command.ActorId, command.Command.Action);
        var myId = this.GetPrimaryKeyString();
        var otherId = command.Command.CoordinatorId;
        var actorIsMe = string.Equals(actorId, myId, StringComparison.Ordinal);
        if (string.Equals(otherId, myId, StringComparison.Ordinal) || (!actorIsMe && !string.Equals(command.Command.ContactId, myId, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("Only the coordinator of a pair calls its other user's grain.");
        }

        // Asking and accepting need a user I can see; ending what there is does not (a contact may have left every
        // organization we shared), and ending what is not there succeeds, whoever the id names, so it tells nothing.
        if (!IsEnding(action) && !(S.Created && S.Organizations.Intersect(command.CoordinatorOrganizations, StringComparer.Ordinal).Any()))
        {
            throw UserNotFound();
        }

        if (!S.Created)
        {
            return null;
        }

        EnsureAcceptsRequestFrom(actorId, action);
        var before = S.Contacts.GetValueOrDefault(otherId);
        var decided = Decide(action, actorIsMe ? before?.State : Mirror(before?.State));
        var state = actorIsMe ? decided : Mirror(decided);
        var (contacts, requestsReceived) = CountContactsBesides(otherId);
        CheckBounds(state, contacts, requestsReceived, actorIsMe);
        CheckBounds(Mirror(state), command.CoordinatorContacts, command.CoordinatorRequestsReceived, !actorIsMe);

        var after = state is not { } s ? null : s == before?.State ? before : new Contact(otherId, s, command.At);
        await StoreContactAsync(otherId, before, after, actorId, command.At);
        return after;
    }

    public ValueTask<IReadOnlyList<Contact>> GetContactsAsync(ContactState? state)
    {
        EnsureCreated();
        if (state is { } s && !Enum.IsDefined(s))
        {
            throw new InvalidArgumentException("'state' must be requestedByMe, requestedByThem or confirmed.", "state");
        }

        return ValueTask.FromResult<IReadOnlyList<Contact>>(
            [.. S.Contacts.Values.Where(c => state is null || c.State == state).OrderByDescending(c => c.Since).ThenBy(c => c.ContactId, StringComparer.Ordinal)]);
    }

    /// <summary>Stores my entry for the contact and tells my devices, if its state changed; a failed write undoes it.</summary>
    private async Task StoreContactAsync(string contactId, Contact? before, Contact? after, string actorId, DateTimeOffset at)
    {
        if (before?.State == after?.State)
        {
            return; // A repeat: done before, and announced then.
        }

        if (after is null)
        {
            S.Contacts.Remove(contactId);
        }
        else
        {
            S.Contacts[contactId] = after;
        }

        try
        {
            await WriteStateAsync();
        }
        catch (Exception)
        {
            if (before is null)
            {
                S.Contacts.Remove(contactId);
            }
            else
            {
                S.Contacts[contactId] = before;
            }

            throw;
        }

        var myId = this.GetPrimaryKeyString();
        var changed = new ContactChanged(myId, contactId, KindOf(before?.State, after?.State, string.Equals(actorId, myId, StringComparison.Ordinal)), after?.State, actorId, at);
        Feed(new FeedChange(0, Contact: changed));
    }

    /// <summary>My entries that count against each bound, leaving out the one for <paramref name="contactId"/>.</summary>
    private (int Contacts, int RequestsReceived) CountContactsBesides(string contactId)
    {
        var (contacts, received) = (0, 0);
        foreach (var (id, contact) in S.Contacts)
        {
            if (string.Equals(id, contactId, StringComparison.Ordinal))
            {
                continue;
            }

            if (contact.State == ContactState.RequestedByThem)
            {
                received++;
            }
            else
            {
                contacts++;
            }
        }

        return (contacts, received);
    }

    /// <summary>Refuses a state that would take its side past a bound, given that side's other entries.</summary>
    private static void CheckBounds(ContactState? state, int contacts, int requestsReceived, bool sideIsActor)
    {
        if (state == ContactState.RequestedByThem && requestsReceived >= ContactLimits.MaxRequestsReceived)
        {
            throw new ConflictException($"This user has {ContactLimits.MaxRequestsReceived} contact requests waiting for an answer.");
        }

        if (state is ContactState.RequestedByMe or ContactState.Confirmed && contacts >= ContactLimits.MaxContacts)
        {
            throw new ConflictException(sideIsActor
                ? $"You have {ContactLimits.MaxContacts} contacts and requests; remove some first."
                : $"This user has {ContactLimits.MaxContacts} contacts and requests.");
        }
    }

    /// <summary>The actor's state after the action, from the actor's state before it (both as the actor sees them).</summary>
    private static ContactState? Decide(ContactAction action, ContactState? state) => (action, state) switch
    {
        (ContactAction.Request, null) => ContactState.RequestedByMe,
        (ContactAction.Request or ContactAction.Confirm, ContactState.RequestedByThem) => ContactState.Confirmed,
        (ContactAction.Request, _) or (ContactAction.Confirm, ContactState.Confirmed) => state,
        (ContactAction.Reject, ContactState.RequestedByThem or null) or (ContactAction.Remove, _) => null,
        _ => throw new NotFoundException("No contact request from this user."),
    };

    /// <summary>The same contact as the other user sees it.</summary>
    private static ContactState? Mirror(ContactState? state) => state switch
    {
        ContactState.RequestedByMe => ContactState.RequestedByThem,
        ContactState.RequestedByThem => ContactState.RequestedByMe,
        _ => state,
    };

    private static ContactChangeKind KindOf(ContactState? before, ContactState? after, bool actorIsMe) => after switch
    {
        ContactState.Confirmed => ContactChangeKind.Confirmed,
        null => (actorIsMe ? before : Mirror(before)) == ContactState.RequestedByThem ? ContactChangeKind.Rejected : ContactChangeKind.Removed,
        _ => ContactChangeKind.Requested,
    };

    private static bool IsEnding(ContactAction action) => action is ContactAction.Reject or ContactAction.Remove;

    /// <summary>A user my privacy list blocks (or who blocked me mutually) cannot ask me, as they cannot message me.</summary>
    private void EnsureAcceptsRequestFrom(string actorId, ContactAction action)
    {
        if (action == ContactAction.Request && !string.Equals(actorId, this.GetPrimaryKeyString(), StringComparison.Ordinal) && Silences(actorId))
        {
            throw new PermissionDeniedException("This user does not accept your requests.");
        }
    }

    /// <summary>Word for word the answer of a failed user lookup (<c>UsersApi</c>): a missing user and one I may not see are alike.</summary>
    private static NotFoundException UserNotFound() => new("No user you can see matches.");

    [LoggerMessage(EventId = 2030, Level = LogLevel.Warning, Message = "User {UserId} did not store the contact change with {ContactId} that the other side stored; a retry repairs it")]
    private static partial void LogContactBehind(ILogger logger, Exception exception, string userId, string contactId);
}
