using System.Diagnostics.CodeAnalysis;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// The key of a 1-1 conversation: its organization and its two members in ordinal order, so the same pair in the
/// same organization always maps to the same grain. The grain key (and the public conversation id) is
/// <c>organizationId:firstUserId:secondUserId</c>; ':' cannot occur in an id.
/// </summary>
public readonly record struct ConversationKey
{
    private const char Separator = ':';

    private ConversationKey(string organizationId, string firstUserId, string secondUserId)
    {
        OrganizationId = organizationId;
        FirstUserId = firstUserId;
        SecondUserId = secondUserId;
    }

    public string OrganizationId { get; }

    public string FirstUserId { get; }

    public string SecondUserId { get; }

    /// <summary>The key of the conversation between two distinct users in an organization, in either order.</summary>
    public static ConversationKey For(string organizationId, string userId, string otherUserId)
    {
        Validate.Id(organizationId, "organizationId");
        Validate.Id(userId, "userId");
        Validate.Id(otherUserId, "recipientId");
        if (string.Equals(userId, otherUserId, StringComparison.Ordinal))
        {
            throw new InvalidArgumentException("A 1-1 conversation needs two different users.", "recipientId");
        }

        return string.CompareOrdinal(userId, otherUserId) < 0
            ? new ConversationKey(organizationId, userId, otherUserId)
            : new ConversationKey(organizationId, otherUserId, userId);
    }

    public string ToGrainKey() => string.Join(Separator, OrganizationId, FirstUserId, SecondUserId);

    public override string ToString() => ToGrainKey();

    public bool Contains(string userId) =>
        string.Equals(userId, FirstUserId, StringComparison.Ordinal) || string.Equals(userId, SecondUserId, StringComparison.Ordinal);

    /// <summary>The other member of the conversation.</summary>
    public string CounterpartyOf(string userId) =>
        string.Equals(userId, FirstUserId, StringComparison.Ordinal) ? SecondUserId
        : string.Equals(userId, SecondUserId, StringComparison.Ordinal) ? FirstUserId
        : throw new PermissionDeniedException("The user is not a member of this conversation.");

    /// <summary>Parses a conversation id; throws <see cref="InvalidArgumentException"/> if it is not one.</summary>
    public static ConversationKey Parse(string? value) =>
        TryParse(value, out var key) ? key : throw new InvalidArgumentException("'conversationId' is not a conversation id.", "conversationId");

    public static bool TryParse([NotNullWhen(true)] string? value, out ConversationKey key)
    {
        key = default;
        if (value is null || value.Length > (3 * Validate.MaxIdLength) + 2)
        {
            return false;
        }

        var parts = value.Split(Separator);
        if (parts.Length != 3 || !Validate.IsId(parts[0]) || !Validate.IsId(parts[1]) || !Validate.IsId(parts[2])
            || string.CompareOrdinal(parts[1], parts[2]) >= 0)
        {
            return false;
        }

        key = new ConversationKey(parts[0], parts[1], parts[2]);
        return true;
    }
}
