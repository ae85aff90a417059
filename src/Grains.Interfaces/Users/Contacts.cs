using System.Text.Json.Serialization;

namespace Orleans.Chat.Grains.Users;

/// <summary>Where a contact stands, seen from one of its two users.</summary>
[GenerateSerializer, Alias("chat.ContactState")]
public enum ContactState
{
    /// <summary>I asked; they have not answered.</summary>
    [JsonStringEnumMemberName("requestedByMe")]
    RequestedByMe,

    /// <summary>They asked; I have not answered.</summary>
    [JsonStringEnumMemberName("requestedByThem")]
    RequestedByThem,

    [JsonStringEnumMemberName("confirmed")]
    Confirmed,
}

/// <summary>What a user does about a contact.</summary>
[GenerateSerializer, Alias("chat.ContactAction")]
public enum ContactAction
{
    /// <summary>Ask the other user; confirms if they asked me first.</summary>
    [JsonStringEnumMemberName("request")]
    Request,

    /// <summary>Accept the other user's request.</summary>
    [JsonStringEnumMemberName("confirm")]
    Confirm,

    /// <summary>Refuse the other user's request.</summary>
    [JsonStringEnumMemberName("reject")]
    Reject,

    /// <summary>End a contact, cancel my request or refuse theirs: whatever there is.</summary>
    [JsonStringEnumMemberName("remove")]
    Remove,
}

/// <summary>What happened to a contact; the hub event is <c>contact:{kind}</c>.</summary>
[GenerateSerializer, Alias("chat.ContactChangeKind")]
public enum ContactChangeKind
{
    [JsonStringEnumMemberName("requested")]
    Requested,

    [JsonStringEnumMemberName("confirmed")]
    Confirmed,

    /// <summary>A request was refused (by the one asked).</summary>
    [JsonStringEnumMemberName("rejected")]
    Rejected,

    /// <summary>A contact was ended, or a request cancelled by the one who made it.</summary>
    [JsonStringEnumMemberName("removed")]
    Removed,
}

/// <summary>One of my contacts or contact requests: the other user, where it stands, and since when.</summary>
[GenerateSerializer, Immutable, Alias("chat.Contact")]
public sealed record Contact(
    [Id(0)] string ContactId,
    [Id(1)] ContactState State,
    [Id(2)] DateTimeOffset Since);

/// <summary>
/// A contact of <see cref="UserId"/> changed (each of the two users gets their own side): <see cref="State"/> is where
/// it stands now for <see cref="UserId"/>, null once it is gone; <see cref="ActorId"/> is who did it.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.ContactChanged")]
public sealed record ContactChanged(
    [Id(0)] string UserId,
    [Id(1)] string ContactId,
    [Id(2)] ContactChangeKind Kind,
    [Id(3)] ContactState? State,
    [Id(4)] string ActorId,
    [Id(5)] DateTimeOffset At);

/// <summary>
/// A user's action on their contact with <see cref="ContactId"/>. Both users' grains change; the call goes to the grain
/// of <see cref="CoordinatorId"/> (see <see cref="IUserGrain.ChangeContactAsync"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.ContactCommand")]
public sealed record ContactCommand(
    [Id(0)] string ActorId,
    [Id(1)] string ContactId,
    [Id(2)] ContactAction Action)
{
    /// <summary>The lower of the two ids (ordinal): the grain that takes the command and calls the other.</summary>
    public string CoordinatorId => string.CompareOrdinal(ActorId, ContactId) < 0 ? ActorId : ContactId;
}

/// <summary>
/// A contact command as the coordinator (the lower id) passes it to the other user's grain, with what that grain needs
/// to know of the coordinator to decide: its organizations (visibility) and how many entries of each bounded kind it
/// holds besides this pair. <see cref="At"/> is the coordinator's clock, so both sides record the same time.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.PairedContactCommand")]
public sealed record PairedContactCommand(
    [Id(0)] ContactCommand Command,
    [Id(1)] IReadOnlyList<string> CoordinatorOrganizations,
    [Id(2)] int CoordinatorContacts,
    [Id(3)] int CoordinatorRequestsReceived,
    [Id(4)] DateTimeOffset At);

/// <summary>How many contacts a user keeps.</summary>
public static class ContactLimits
{
    /// <summary>Confirmed contacts plus my requests not yet answered.</summary>
    public const int MaxContacts = 300;

    /// <summary>
    /// Requests waiting for my answer. A queue to work through rather than a list to keep, and what strangers in my
    /// organizations can pile up on me: a request beyond it answers <c>conflict</c> until I confirm or reject some.
    /// </summary>
    public const int MaxRequestsReceived = 100;
}
