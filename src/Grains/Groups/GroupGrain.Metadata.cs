using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// The group's metadata on its own: read by whoever may read the group, changed key by key or whole by whoever may edit
/// it (the same rules as <see cref="UpdateAsync"/>, which replaces it whole with the group's other settings).
/// </summary>
public sealed partial class GroupGrain
{
    public async ValueTask<GroupMetadata> GetMetadataAsync(string requesterId)
    {
        await EnsureReadableAsync(Validate.Id(requesterId, "requesterId"));
        return Metadata();
    }

    public async ValueTask<GroupMetadata> UpdateMetadataAsync(string requesterId, IReadOnlyDictionary<string, string?> changes, bool replace)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var requester = Member(Validate.Id(requesterId, "requesterId"));
        var metadata = Validate.MetadataChanges(S.Metadata, changes, replace, "metadata", Validate.MaxGroupMetadataEntries);
        EnsureMayEdit(requester);
        S.Metadata = metadata;
        await WriteStateAsync();

        // As an update does: each member's view takes the new revision (conversation:change), and reads the rest on demand.
        await PushToMembersAsync(requesterId, sent: null, read: null);
        return Metadata();
    }

    private GroupMetadata Metadata() =>
        new(_id, _key.OrganizationId, _key.GroupId, new Dictionary<string, string>(S.Metadata, StringComparer.Ordinal));
}
