using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// Broadcast groups (<see cref="ConversationView.Broadcast"/>): their messages do not come through the members' user
/// grains but once per group to this process, which pushes them to the connections of the members it serves. So this
/// process subscribes to every broadcast group that one of its connected users is a member of, learning which from the
/// user's roster on the first connection and from each roster change after it, and it reports what it pushed as the
/// members' delivered receipts (<see cref="DeliveredReports"/>). The members' connections here are in a SignalR group,
/// so a message is serialized once and written to each of them; <c>Clients.Clients(ids)</c> would compare every
/// connection of the process with every id in the list, which for thousands of members costs more than the writes.
/// </summary>
public sealed partial class UserConnections
{
    private readonly ConcurrentDictionary<string, GroupLink> _groups = new(StringComparer.Ordinal);

    /// <summary>On a user's first connection here: their broadcast groups, from their roster.</summary>
    private async Task JoinBroadcastGroupsAsync(UserLink user, IReadOnlyList<ConversationView> entries)
    {
        foreach (var entry in entries)
        {
            await TrackGroupAsync(user, entry);
        }
    }

    /// <summary>
    /// Applies what a roster entry says (a broadcast group the user is in, or no longer) to this process's subscription.
    /// An entry older than one already applied is ignored, so late and reordered events cannot put a user back.
    /// </summary>
    private Task TrackGroupAsync(UserLink user, ConversationView entry) =>
        entry.Kind == ConversationKind.Group && user.SetGroup(entry.Id, entry.Revision, entry.Broadcast && entry.IsMember)
            ? ReconcileGroupAsync(user, entry.Id)
            : Task.CompletedTask;

    /// <summary>A further connection of a user already here joins the SignalR groups of the user's broadcast groups.</summary>
    private async Task AddConnectionToGroupsAsync(UserLink user, string connectionId)
    {
        foreach (var groupId in user.GroupIds())
        {
            if (!_groups.TryGetValue(groupId, out var group))
            {
                continue;
            }

            await group.Gate.WaitAsync();
            try
            {
                if (!group.Closed && group.Has(user.UserId))
                {
                    await hub.Groups.AddToGroupAsync(connectionId, SignalRGroup(groupId));
                }
            }
            finally
            {
                group.Gate.Release();
            }
        }
    }

    /// <summary>After a user's last connection here closed: out of every group.</summary>
    private async Task LeaveBroadcastGroupsAsync(UserLink user)
    {
        foreach (var groupId in user.GroupIds())
        {
            await ReconcileGroupAsync(user, groupId);
        }
    }

    /// <summary>
    /// Puts the user in or out of the group here as their link says now (read under the group's gate, so the last call
    /// wins whatever order the calls came in), and subscribes to the group or ends the subscription to match.
    /// </summary>
    private async Task ReconcileGroupAsync(UserLink user, string groupId)
    {
        while (true)
        {
            var group = _groups.GetOrAdd(groupId, static id => new GroupLink(id));
            await group.Gate.WaitAsync();
            try
            {
                if (group.Closed)
                {
                    continue; // Its last member left while we waited: take a fresh link.
                }

                var wanted = user.WantsGroup(groupId);
                if (group.Set(user.UserId, wanted))
                {
                    foreach (var connection in user.Except(null))
                    {
                        await (wanted
                            ? hub.Groups.AddToGroupAsync(connection.ConnectionId, SignalRGroup(groupId))
                            : hub.Groups.RemoveFromGroupAsync(connection.ConnectionId, SignalRGroup(groupId)));
                    }
                }

                if (group.Count > 0)
                {
                    // Once: thousands of members connecting must not each call the group (renewals keep it alive).
                    if (!group.Subscribed)
                    {
                        await SubscribeGroupAsync(group);
                    }

                    return;
                }

                group.Closed = true;
                _groups.TryRemove(new KeyValuePair<string, GroupLink>(groupId, group));
                if (group.Reference is { } reference)
                {
                    try
                    {
                        await grains.GetGrain<IGroupGrain>(groupId).UnsubscribeAsync(reference);
                    }
                    catch (Exception exception)
                    {
                        LogGroupUnsubscribeFailed(logger, exception, groupId);
                    }
                    finally
                    {
                        grains.DeleteObjectReference<IGroupObserver>(reference);
                    }
                }

                return;
            }
            finally
            {
                group.Gate.Release();
            }
        }
    }

    /// <summary>Creates the group's observer if there is none yet and subscribes (or renews) it; failures wait for the next renewal.</summary>
    private async Task SubscribeGroupAsync(GroupLink group)
    {
        if (group.Reference is null)
        {
            group.Observer = new GroupObserver(this, group);
            group.Reference = grains.CreateObjectReference<IGroupObserver>(group.Observer);
        }

        try
        {
            await grains.GetGrain<IGroupGrain>(group.GroupId).SubscribeAsync(group.Reference);
            group.Subscribed = true;
        }
        catch (Exception exception)
        {
            // The next member's connection or the next renewal tries again.
            group.Subscribed = false;
            LogGroupSubscribeFailed(logger, exception, group.GroupId);
        }
    }

    /// <summary>Renews every group subscription (see <see cref="RenewAllAsync"/>).</summary>
    private Task RenewGroupsAsync(CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            _groups.Values,
            new ParallelOptions { MaxDegreeOfParallelism = RenewalConcurrency, CancellationToken = cancellationToken },
            async (group, token) =>
            {
                await group.Gate.WaitAsync(token);
                try
                {
                    if (!group.Closed)
                    {
                        await SubscribeGroupAsync(group);
                    }
                }
                finally
                {
                    group.Gate.Release();
                }
            });

    /// <summary>
    /// Pushes a broadcast message to the members' connections here, except the sending device and the members whose user
    /// grains brought it, and notes it as delivered to each member reached.
    /// </summary>
    private async Task PushGroupMessageAsync(GroupLink group, GroupMessage broadcast)
    {
        var message = broadcast.Sent.Message;
        var origin = broadcast.Sent.OriginSessionId;
        var excluded = new List<string>();
        foreach (var userId in broadcast.NotTo)
        {
            if (_users.TryGetValue(userId, out var named))
            {
                excluded.AddRange(named.Except(null).Select(c => c.ConnectionId));
            }
        }

        if (origin is not null && _users.TryGetValue(message.SenderId, out var sender))
        {
            excluded.AddRange(sender.Of(origin).Select(c => c.ConnectionId));
        }

        var reached = new List<string>();
        foreach (var userId in group.Users)
        {
            if (broadcast.NotTo.Contains(userId, StringComparer.Ordinal) || !_users.TryGetValue(userId, out var user))
            {
                continue;
            }

            if (user.Silenced.Contains(message.SenderId))
            {
                // The member does not receive the sender's messages (a privacy list).
                excluded.AddRange(user.Except(null).Select(c => c.ConnectionId));
            }
            else if (user.HasConnectionOutside(origin))
            {
                reached.Add(userId);
            }
        }

        if (reached.Count == 0)
        {
            return;
        }

        var clients = Clients.GroupExcept(SignalRGroup(group.GroupId), excluded);
        await clients.Message(message, null);
        if (message.Type == MessageType.GroupMembershipChange)
        {
            await clients.GroupMembershipChange(message, null);
        }

        NoteDelivered(message, reached);
    }

    /// <summary>Pushes a broadcast group's custom message to the members' connections here, but the sending device.</summary>
    private async Task PushGroupCustomAsync(GroupLink group, CustomMessageSent sent)
    {
        var excluded = sent.OriginSessionId is { } origin && _users.TryGetValue(sent.Message.SenderId, out var sender)
            ? sender.Of(origin).Select(c => c.ConnectionId).ToList()
            : [];
        excluded.AddRange(SilencingConnections(group, sent.Message.SenderId));
        await Clients.GroupExcept(SignalRGroup(group.GroupId), excluded).CustomMessage(sent.Message);
    }

    /// <summary>Pushes a broadcast group's typing change to the members' connections here, but the typist's and those silencing them.</summary>
    private async Task PushGroupTypingAsync(GroupLink group, TypingChanged changed)
    {
        var excluded = _users.TryGetValue(changed.UserId, out var typist) ? typist.Except(null).Select(c => c.ConnectionId).ToList() : [];
        excluded.AddRange(SilencingConnections(group, changed.UserId));
        await Clients.GroupExcept(SignalRGroup(group.GroupId), excluded).TypingChange(changed);
    }

    /// <summary>The connections here of the group's members who do not receive the sender's messages (a privacy list).</summary>
    private IEnumerable<string> SilencingConnections(GroupLink group, string senderId)
    {
        foreach (var userId in group.Users)
        {
            if (_users.TryGetValue(userId, out var user) && user.Silenced.Contains(senderId))
            {
                foreach (var connection in user.Except(null))
                {
                    yield return connection.ConnectionId;
                }
            }
        }
    }

    private async Task PushGroupMessageChangeAsync(GroupLink group, GroupMessageChange broadcast)
    {
        var excluded = new List<string>();
        foreach (var userId in broadcast.NotTo)
        {
            if (_users.TryGetValue(userId, out var user))
            {
                excluded.AddRange(user.Except(null).Select(c => c.ConnectionId));
            }
        }

        // Not on the members' feeds: no cursor (a reconnecting member hears of the group through its roster entry).
        await FeedEvents.Of(broadcast.Change, cursor: 0).Send(Clients.GroupExcept(SignalRGroup(group.GroupId), excluded), null);
    }

    private static string SignalRGroup(string groupId) => "broadcast:" + groupId;

    [LoggerMessage(EventId = 4406, Level = LogLevel.Warning, Message = "Could not subscribe to broadcast group {GroupId}; the next renewal tries again")]
    private static partial void LogGroupSubscribeFailed(ILogger logger, Exception exception, string groupId);

    [LoggerMessage(EventId = 4407, Level = LogLevel.Warning, Message = "Could not unsubscribe from broadcast group {GroupId}")]
    private static partial void LogGroupUnsubscribeFailed(ILogger logger, Exception exception, string groupId);

    /// <summary>One broadcast group here: the members it serves and its observer.</summary>
    private sealed class GroupLink(string groupId)
    {
        private readonly HashSet<string> _users = new(StringComparer.Ordinal);
        private volatile string[]? _snapshot = [];

        public string GroupId { get; } = groupId;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public bool Closed { get; set; }

        /// <summary>Held here because Orleans keeps only a weak reference to the object behind an observer reference.</summary>
        public GroupObserver? Observer { get; set; }

        public IGroupObserver? Reference { get; set; }

        /// <summary>The last subscribe or renewal succeeded.</summary>
        public bool Subscribed { get; set; }

        /// <summary>The members served here, as an array taken once per change (thousands join one by one; messages read it).</summary>
        public string[] Users
        {
            get
            {
                if (_snapshot is { } users)
                {
                    return users;
                }

                lock (_users)
                {
                    return _snapshot ??= [.. _users];
                }
            }
        }

        /// <summary>Puts the user in or out; true if that changed anything.</summary>
        public bool Set(string userId, bool member)
        {
            lock (_users)
            {
                if (!(member ? _users.Add(userId) : _users.Remove(userId)))
                {
                    return false;
                }

                _snapshot = null;
                return true;
            }
        }

        public int Count
        {
            get
            {
                lock (_users)
                {
                    return _users.Count;
                }
            }
        }

        public bool Has(string userId)
        {
            lock (_users)
            {
                return _users.Contains(userId);
            }
        }
    }

    private sealed class GroupObserver(UserConnections owner, GroupLink group) : IGroupObserver
    {
        public async ValueTask OnGroupMessageAsync(GroupMessage message) => await owner.PushGroupMessageAsync(group, message);

        public async ValueTask OnCustomMessageAsync(CustomMessageSent sent) => await owner.PushGroupCustomAsync(group, sent);

        public async ValueTask OnMessageChangeAsync(GroupMessageChange change) => await owner.PushGroupMessageChangeAsync(group, change);

        public async ValueTask OnTypingChangedAsync(TypingChanged changed) => await owner.PushGroupTypingAsync(group, changed);
    }
}
