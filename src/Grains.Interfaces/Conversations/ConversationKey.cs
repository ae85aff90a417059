using System.Diagnostics.CodeAnalysis;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// The key of a 1-1 conversation: each member's organization and the two members in ordinal order, so the same pair
/// always maps to the same grain. Within one organization the grain key (and the public conversation id) is
/// <c>organizationId:firstUserId:secondUserId</c>; across two organizations it is
/// <c>firstOrganizationId:firstUserId:secondOrganizationId:secondUserId</c>, each member after their organization. A
/// group's id has two parts, so the number of parts says which grain an id names; ':' cannot occur in an id.
/// </summary>
public readonly record struct ConversationKey
{
    private const char Separator = ':';

    private ConversationKey(string firstOrganizationId, string firstUserId, string secondOrganizationId, string secondUserId)
    {
        FirstOrganizationId = firstOrganizationId;
        FirstUserId = firstUserId;
        SecondOrganizationId = secondOrganizationId;
        SecondUserId = secondUserId;
    }

    /// <summary>The organization of <see cref="FirstUserId"/> in this conversation.</summary>
    public string FirstOrganizationId { get; }

    public string FirstUserId { get; }

    /// <summary>The organization of <see cref="SecondUserId"/> in this conversation (the first's, within one organization).</summary>
    public string SecondOrganizationId { get; }

    public string SecondUserId { get; }

    /// <summary>Whether the members write from two different organizations.</summary>
    public bool IsCrossOrganization => !string.Equals(FirstOrganizationId, SecondOrganizationId, StringComparison.Ordinal);

    /// <summary>The one organization of a conversation within one; null for a conversation across organizations.</summary>
    public string? OrganizationId => IsCrossOrganization ? null : FirstOrganizationId;

    /// <summary>The key of the conversation between two distinct users in an organization, in either order.</summary>
    public static ConversationKey For(string organizationId, string userId, string otherUserId) =>
        For(organizationId, userId, organizationId, otherUserId);

    /// <summary>
    /// The key of the conversation between <paramref name="userId"/> of <paramref name="organizationId"/> and
    /// <paramref name="otherUserId"/> of <paramref name="otherOrganizationId"/>, in either order; the same organization
    /// twice gives the key of a conversation within it.
    /// </summary>
    public static ConversationKey For(string organizationId, string userId, string otherOrganizationId, string otherUserId)
    {
        Validate.Id(organizationId, "organizationId");
        Validate.Id(userId, "userId");
        Validate.Id(otherOrganizationId, "recipientOrganizationId");
        Validate.Id(otherUserId, "recipientId");
        if (string.Equals(userId, otherUserId, StringComparison.Ordinal))
        {
            throw new InvalidArgumentException("A 1-1 conversation needs two different users.", "recipientId");
        }

        return string.CompareOrdinal(userId, otherUserId) < 0
            ? new ConversationKey(organizationId, userId, otherOrganizationId, otherUserId)
            : new ConversationKey(otherOrganizationId, otherUserId, organizationId, userId);
    }

    public string ToGrainKey() => IsCrossOrganization
        ? string.Join(Separator, FirstOrganizationId, FirstUserId, SecondOrganizationId, SecondUserId)
        : string.Join(Separator, FirstOrganizationId, FirstUserId, SecondUserId);

    public override string ToString() => ToGrainKey();

    public bool Contains(string userId) =>
        string.Equals(userId, FirstUserId, StringComparison.Ordinal) || string.Equals(userId, SecondUserId, StringComparison.Ordinal);

    /// <summary>The other member of the conversation.</summary>
    public string CounterpartyOf(string userId) =>
        string.Equals(userId, FirstUserId, StringComparison.Ordinal) ? SecondUserId
        : string.Equals(userId, SecondUserId, StringComparison.Ordinal) ? FirstUserId
        : throw new PermissionDeniedException("The user is not a member of this conversation.");

    /// <summary>The organization a member is in here: where the conversation is listed and counted for them.</summary>
    public string OrganizationOf(string userId) =>
        string.Equals(userId, FirstUserId, StringComparison.Ordinal) ? FirstOrganizationId
        : string.Equals(userId, SecondUserId, StringComparison.Ordinal) ? SecondOrganizationId
        : throw new PermissionDeniedException("The user is not a member of this conversation.");

    /// <summary>Parses a conversation id; throws <see cref="InvalidArgumentException"/> if it is not one.</summary>
    public static ConversationKey Parse(string? value) =>
        TryParse(value, out var key) ? key : throw new InvalidArgumentException("'conversationId' is not a conversation id.", "conversationId");

    /// <summary>
    /// Parses either form, in its one canonical spelling only (users in ordinal order; four parts only for two different
    /// organizations), so that no conversation has two ids.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out ConversationKey key)
    {
        key = default;
        if (value is null || value.Length > (4 * Validate.MaxIdLength) + 3)
        {
            return false;
        }

        var parts = value.Split(Separator);
        if (parts.Length is not (3 or 4) || !parts.All(Validate.IsId))
        {
            return false;
        }

        var candidate = parts.Length == 3
            ? new ConversationKey(parts[0], parts[1], parts[0], parts[2])
            : new ConversationKey(parts[0], parts[1], parts[2], parts[3]);
        if (string.CompareOrdinal(candidate.FirstUserId, candidate.SecondUserId) >= 0 || (parts.Length == 4 && !candidate.IsCrossOrganization))
        {
            return false;
        }

        key = candidate;
        return true;
    }
}
