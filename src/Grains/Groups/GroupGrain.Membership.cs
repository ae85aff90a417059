using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// Who is a member, with which role and permissions, and every change of it as a message in the timeline. Rules: the
/// owner may do anything; admins (at most <see cref="GroupLimits.MaxAdmins"/>) add members, remove plain members and
/// edit the group; a plain member does what their permissions allow; anyone in the organization joins a forum; every
/// member may leave.
/// </summary>
public sealed partial class GroupGrain
{
    public async ValueTask<GroupInfo> CreateAsync(CreateGroupCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var creatorId = Validate.Id(command.CreatorId, "creatorId");
        var name = Validate.Text(command.Name, "name");
        var description = Validate.OptionalText(command.Description, "description", Validate.MaxDescriptionLength);
        var avatarUrl = Validate.OptionalUrl(command.AvatarUrl, "avatarUrl");
        var metadata = Validate.Metadata(command.Metadata, "metadata", Validate.MaxGroupMetadataEntries);
        if (!Enum.IsDefined(command.Type))
        {
            throw new InvalidArgumentException("'type' must be 'group', 'forum' or 'distributionList'.", "type");
        }

        var others = NewMembers(command.MemberIds ?? [], creatorId);
        if (S.Created)
        {
            throw new ConflictException($"Group '{_id}' already exists.");
        }

        await EnsureInOrganizationAsync([creatorId, .. others]);
        S.Type = command.Type;
        S.Name = name;
        S.Description = description;
        S.AvatarUrl = avatarUrl;
        S.ReplayHistory = command.ReplayHistory;
        S.Metadata = metadata ?? new(StringComparer.Ordinal);
        S.CreatedAt = timeProvider.GetUtcNow();
        S.Created = true;
        await ChangeMembershipAsync(MembershipAction.Add, creatorId, [creatorId, .. others], sortNumber =>
        {
            Admit(creatorId, GroupRole.Owner, sortNumber);
            foreach (var userId in others)
            {
                Admit(userId, GroupRole.Member, sortNumber);
            }
        });
        await PublishListingAsync();
        return Info();
    }

    public async ValueTask<GroupInfo> GetAsync(string requesterId)
    {
        await EnsureReadableAsync(Validate.Id(requesterId, "requesterId"));
        return Info();
    }

    public async ValueTask<GroupInfo> UpdateAsync(string requesterId, GroupChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var requester = Member(Validate.Id(requesterId, "requesterId"));
        var name = changes.Name is null ? null : Validate.Text(changes.Name, "name");
        var description = changes.Description is null ? null : Validate.OptionalText(changes.Description, "description", Validate.MaxDescriptionLength);
        var avatarUrl = changes.AvatarUrl is null ? null : Validate.OptionalUrl(changes.AvatarUrl, "avatarUrl");
        var metadata = Validate.Metadata(changes.Metadata, "metadata", Validate.MaxGroupMetadataEntries);
        EnsureMayEdit(requester);
        S.Name = name ?? S.Name;
        S.Description = changes.Description is null ? S.Description : description;
        S.AvatarUrl = changes.AvatarUrl is null ? S.AvatarUrl : avatarUrl;
        S.ReplayHistory = changes.ReplayHistory ?? S.ReplayHistory;
        S.Metadata = metadata ?? S.Metadata;
        await WriteStateAsync();
        await PublishListingAsync();
        await PushToMembersAsync(requesterId, sent: null, read: null);
        return Info();
    }

    /// <summary>A member who sees the group, or anyone in the organization for a forum; <c>not-found</c> for anyone else.</summary>
    private async Task EnsureReadableAsync(string userId)
    {
        if (S.Created && S.Members.TryGetValue(userId, out var member) && member.IsMember && Sees(member))
        {
            return;
        }

        // A forum is public in its organization; anything else is hidden from non-members.
        if (S.Created && S.Type == GroupType.Forum && await grains.GetGrain<IUserGrain>(userId).IsMemberOfAsync(_key.OrganizationId))
        {
            return;
        }

        throw NotFound();
    }

    /// <summary>The owner and admins edit the group; a plain member when their permissions allow it.</summary>
    private static void EnsureMayEdit(GroupMemberState requester)
    {
        if (requester.Role == GroupRole.Member && !requester.Permissions.MayEditGroup)
        {
            throw new PermissionDeniedException("You may not edit this group.");
        }
    }

    public async ValueTask<GroupInfo> AddMembersAsync(string requesterId, IReadOnlyList<string> userIds)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var requester = Member(Validate.Id(requesterId, "requesterId"));
        var added = NewMembers(userIds, requesterId).Where(id => !(S.Members.TryGetValue(id, out var m) && m.IsMember)).ToList();
        if (requester.Role == GroupRole.Member && !requester.Permissions.MayAddMembers)
        {
            throw new PermissionDeniedException("You may not add members to this group.");
        }

        if (added.Count == 0)
        {
            return Info();
        }

        if (S.Members.Values.Count(m => m.IsMember) + added.Count > GroupLimits.MaxMembers)
        {
            throw new InvalidArgumentException($"A group has at most {GroupLimits.MaxMembers} members.", "userIds");
        }

        await EnsureInOrganizationAsync(added);
        await ChangeMembershipAsync(MembershipAction.Add, requesterId, added, sortNumber =>
        {
            foreach (var userId in added)
            {
                Admit(userId, GroupRole.Member, sortNumber);
            }
        });
        return Info();
    }

    public async ValueTask<GroupInfo> RemoveMemberAsync(string requesterId, string userId)
    {
        var requester = Member(Validate.Id(requesterId, "requesterId"));
        var removed = Seat(Validate.Id(userId, "userId"));
        if (string.Equals(requesterId, userId, StringComparison.Ordinal))
        {
            throw new InvalidArgumentException("To leave a group, leave it; members remove others.", "userId");
        }

        var allowed = requester.Role == GroupRole.Owner || (requester.Role == GroupRole.Admin && removed.Role == GroupRole.Member);
        if (!allowed)
        {
            throw new PermissionDeniedException("Only the owner removes admins, and only the owner and admins remove members.");
        }

        await ChangeMembershipAsync(MembershipAction.Remove, requesterId, [userId], sortNumber => removed.LeftSortNumber = sortNumber);
        return Info();
    }

    public async ValueTask<GroupInfo> JoinAsync(string userId)
    {
        Validate.Id(userId, "userId");
        if (!S.Created)
        {
            throw NotFound();
        }

        if (S.Members.TryGetValue(userId, out var member) && member.IsMember)
        {
            return Info();
        }

        if (S.Type != GroupType.Forum)
        {
            throw NotFound();
        }

        await EnsureInOrganizationAsync([userId]);
        await ChangeMembershipAsync(MembershipAction.Join, userId, [userId], sortNumber => Admit(userId, GroupRole.Member, sortNumber));
        return Info();
    }

    public async ValueTask<GroupInfo> LeaveAsync(string userId)
    {
        var leaving = Seat(Validate.Id(userId, "userId"));
        await ChangeMembershipAsync(MembershipAction.Leave, userId, [userId], sortNumber =>
        {
            leaving.LeftSortNumber = sortNumber;
            if (leaving.Role == GroupRole.Owner)
            {
                // The longest-standing admin takes over, else the longest-standing member; a group nobody is left in has no owner.
                leaving.Role = GroupRole.Member;
                var heir = S.Members.Values.Where(m => m.IsMember).OrderByDescending(m => m.Role).ThenBy(m => m.Order).FirstOrDefault();
                heir?.Role = GroupRole.Owner;
            }
        });
        return Info();
    }

    public async ValueTask<GroupInfo> SetRoleAsync(string requesterId, string userId, GroupRole role)
    {
        var requester = Member(Validate.Id(requesterId, "requesterId"));
        var member = Seat(Validate.Id(userId, "userId"));
        if (!Enum.IsDefined(role))
        {
            throw new InvalidArgumentException("'role' must be 'member', 'admin' or 'owner'.", "role");
        }

        if (requester.Role != GroupRole.Owner)
        {
            throw new PermissionDeniedException("Only the owner changes roles.");
        }

        if (string.Equals(requesterId, userId, StringComparison.Ordinal) || member.Role == role)
        {
            return Info();
        }

        if (role == GroupRole.Admin && S.Members.Values.Count(m => m.IsMember && m.Role == GroupRole.Admin) >= GroupLimits.MaxAdmins)
        {
            throw new ConflictException($"A group has at most {GroupLimits.MaxAdmins} admins.");
        }

        member.Role = role;
        if (role == GroupRole.Owner)
        {
            // Handing over ownership: the old owner stays on as an admin.
            requester.Role = GroupRole.Admin;
        }

        await WriteStateAsync();
        await PushToMembersAsync(requesterId, sent: null, read: null);
        return Info();
    }

    public async ValueTask<GroupInfo> SetPermissionsAsync(string requesterId, string userId, GroupPermissions permissions)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        var requester = Member(Validate.Id(requesterId, "requesterId"));
        var member = Seat(Validate.Id(userId, "userId"));
        if (requester.Role == GroupRole.Member)
        {
            throw new PermissionDeniedException("Only the owner and admins set permissions.");
        }

        member.Permissions = permissions;
        await WriteStateAsync();
        return Info();
    }

    /// <summary>
    /// Changes membership with its timeline entry: the state (with the entry as <see cref="GroupState.PendingMembership"/>)
    /// first, then the log. The entry is idempotent by a key no client message id can take, so finishing it twice after a
    /// crash stores it once.
    /// </summary>
    private async Task ChangeMembershipAsync(MembershipAction action, string actorId, IReadOnlyList<string> userIds, Action<long> apply)
    {
        await AppendPendingMembershipAsync(CancellationToken.None);
        var now = timeProvider.GetUtcNow();
        var sortNumber = _lastSortNumber + 1;
        var message = new Message(
            Guid.CreateVersion7(now).ToString("N"), _id, _key.OrganizationId, sortNumber, actorId, null, "", $"membership-{sortNumber}", now,
            MessageType.GroupMembershipChange, new MembershipChange(action, actorId, userIds));
        // Who leaves and saw the group sees the change that ended it (a distribution list's recipients never saw it).
        IReadOnlyList<string> left = action is MembershipAction.Remove or MembershipAction.Leave
            ? [.. userIds.Where(id => S.Members.TryGetValue(id, out var m) && Sees(m))]
            : [];
        apply(sortNumber);
        var wasBroadcast = S.Broadcast;
        var members = Audience().Count();
        S.Broadcast = members > GroupLimits.BroadcastAbove || (S.Broadcast && members >= GroupLimits.BroadcastBelow);
        S.PendingMembership = message;
        await WriteStateAsync();
        try
        {
            await AppendPendingMembershipAsync(CancellationToken.None);
        }
        catch (Exception)
        {
            // Stored but not in the timeline yet: the next activation finishes it before anything else.
            DeactivateOnIdle();
            throw;
        }

        var sent = new MessageSent(message, OriginSessionId: null);
        if (!wasBroadcast && S.Broadcast)
        {
            _perMemberUntil = timeProvider.GetUtcNow() + options.Value.BroadcastGrace;
        }

        if (wasBroadcast && S.Broadcast && timeProvider.GetUtcNow() >= _perMemberUntil)
        {
            // The members the change names hear of it from their user grains, whose rosters gain or lose the group (and
            // whose hosts subscribe or not); everyone else from their host.
            IReadOnlyList<string> named = [.. userIds.Where(id => S.Members[id].IsMember).Concat(left).Append(actorId).Distinct(StringComparer.Ordinal)];
            Broadcast(sent, notTo: named);
            await PushToUsersAsync(named, actorId, sent);
            return;
        }

        // Every member, also when this change took the group across the broadcast limit either way, so that every roster
        // (and every host) learns of it. The members who just left see the change that ended their membership, and
        // nothing after it.
        await PushToMembersAsync(actorId, sent, read: null, alsoTo: left);
    }

    /// <summary>Stores the pending membership change in the log unless it is there already (see <see cref="GroupState.PendingMembership"/>).</summary>
    private async Task AppendPendingMembershipAsync(CancellationToken cancellationToken)
    {
        if (S.PendingMembership is not { } pending || pending.SortNumber <= _lastSortNumber)
        {
            return;
        }

        // '#' cannot occur in a user id, so no sender's "senderId:clientMessageId" key can take this one.
        await messageLog.AppendAsync(pending.ToLogEntry(idempotencyKey: "#" + pending.ClientMessageId), cancellationToken);
        Appended(pending);
        foreach (var userId in pending.Membership!.UserIds)
        {
            if (!S.Members[userId].IsMember)
            {
                _unread.Remove(userId);
            }
        }
    }

    /// <summary>Makes the user a member from the change at <paramref name="sortNumber"/>, which they do not count as unread.</summary>
    private void Admit(string userId, GroupRole role, long sortNumber)
    {
        if (!S.Members.TryGetValue(userId, out var member))
        {
            member = new GroupMemberState();
            S.Members[userId] = member;
        }

        member.Role = role;
        member.Permissions = new GroupPermissions();
        member.JoinedSortNumber = sortNumber;
        member.LeftSortNumber = 0;
        member.ReadSortNumber = Math.Max(member.ReadSortNumber, sortNumber);
        member.UnreadFromSortNumber = 0;
        member.DeliveredSortNumber = Math.Max(member.DeliveredSortNumber, sortNumber);
        member.Order = ++S.NextMemberOrder;
        _unread.Remove(userId); // counted afresh when needed: nothing unread yet, and whose messages not to count learned then
    }

    /// <summary>Distinct valid ids other than the acting user, at most <see cref="GroupLimits.MaxMembersPerCall"/>.</summary>
    private static List<string> NewMembers(IReadOnlyList<string> userIds, string actorId)
    {
        if (userIds.Count > GroupLimits.MaxMembersPerCall)
        {
            throw new InvalidArgumentException($"At most {GroupLimits.MaxMembersPerCall} members per call.", "memberIds");
        }

        return [.. userIds.Select(id => Validate.Id(id, "memberIds")).Where(id => !string.Equals(id, actorId, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal)];
    }

    private async Task EnsureInOrganizationAsync(IReadOnlyList<string> userIds)
    {
        var checks = userIds.Select(id => grains.GetGrain<IUserGrain>(id).IsMemberOfAsync(_key.OrganizationId).AsTask()).ToList();
        var answers = await Task.WhenAll(checks);
        if (answers.Contains(false))
        {
            // The same answer for a user who does not exist and one in another organization.
            throw new NotFoundException("Every member must be a user of the group's organization.");
        }
    }

    /// <summary>A forum's listing in its organization's directory (idempotent: also sent on every activation).</summary>
    private Task PublishListingAsync() =>
        S.Created && S.Type == GroupType.Forum
            ? grains.GetGrain<IForumDirectoryGrain>(_key.OrganizationId)
                .PublishAsync(new ForumListing(_id, _key.GroupId, S.Name, S.Description, S.AvatarUrl)).AsTask()
            : Task.CompletedTask;

    private GroupInfo Info() => new(
        _id,
        _key.OrganizationId,
        _key.GroupId,
        S.Type,
        S.Name,
        S.Description,
        S.AvatarUrl,
        S.ReplayHistory,
        [.. S.Members.Where(m => m.Value.IsMember).OrderBy(m => m.Value.Order)
            .Select(m => new GroupMember(m.Key, m.Value.Role, m.Value.Permissions, m.Value.JoinedSortNumber))],
        S.CreatedAt,
        S.Metadata);
}
