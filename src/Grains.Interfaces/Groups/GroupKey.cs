using System.Diagnostics.CodeAnalysis;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// The key of a group, forum or distribution list: its organization and its id. The grain key (and the public
/// conversation id) is <c>organizationId:groupId</c>, two parts where a 1-1 conversation id has three or four, so one
/// conversation id names either kind without a lookup; ':' cannot occur in an id.
/// </summary>
public readonly record struct GroupKey(string OrganizationId, string GroupId)
{
    private const char Separator = ':';

    public static GroupKey For(string organizationId, string groupId) =>
        new(Validate.Id(organizationId, "organizationId"), Validate.Id(groupId, "groupId"));

    public string ToGrainKey() => OrganizationId + Separator + GroupId;

    public override string ToString() => ToGrainKey();

    /// <summary>Parses a group's conversation id; throws <see cref="InvalidArgumentException"/> if it is not one.</summary>
    public static GroupKey Parse(string? value) =>
        TryParse(value, out var key) ? key : throw new InvalidArgumentException("'conversationId' is not a group's conversation id.", "conversationId");

    public static bool TryParse([NotNullWhen(true)] string? value, out GroupKey key)
    {
        key = default;
        if (value is null || value.Length > (2 * Validate.MaxIdLength) + 1)
        {
            return false;
        }

        var parts = value.Split(Separator);
        if (parts.Length != 2 || !Validate.IsId(parts[0]) || !Validate.IsId(parts[1]))
        {
            return false;
        }

        key = new GroupKey(parts[0], parts[1]);
        return true;
    }
}
