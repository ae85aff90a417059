using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// The bridge from grains to hub connections: ONE observer per user per Api process (not per connection). It is
/// created and subscribed to the user grain on the user's first connection, renewed by
/// <see cref="UserSubscriptionRenewal"/>, and removed after the user's last connection closes. Events go straight to
/// the user's connections in this process, minus those of the device that caused them where that matters.
/// </summary>
public sealed partial class UserConnections(
    IGrainFactory grains,
    IHubContext<ChatHub, IChatClient> hub,
    DeliveredReports delivered,
    ILogger<UserConnections> logger)
{
    /// <summary>How many subscriptions a renewal sends at once.</summary>
    private const int RenewalConcurrency = 64;

    private readonly ConcurrentDictionary<string, UserLink> _users = new(StringComparer.Ordinal);

    private IHubClients<IChatClient> Clients => hub.Clients;

    /// <summary>Whether this process holds a subscribed observer for the user (for tests and metrics).</summary>
    public bool IsObserved(string userId) => _users.TryGetValue(userId, out var link) && link.Reference is not null;

    /// <summary>How many connections of the user are open here.</summary>
    public int ConnectionCount(string userId) => _users.TryGetValue(userId, out var link) ? link.Count : 0;

    /// <summary>
    /// Adds a connection of the user (subscribing the user's observer with the first one). With a
    /// <paramref name="replay"/> buffer, the connection's feed events are held there until its replay is over.
    /// </summary>
    public async Task AddAsync(string userId, string sessionId, HubCallerContext connection, ReplayBuffer? replay, CancellationToken cancellationToken)
    {
        while (true)
        {
            var link = _users.GetOrAdd(userId, static id => new UserLink(id));
            await link.Gate.WaitAsync(cancellationToken);
            try
            {
                if (link.Closed)
                {
                    continue; // Its last connection left while we waited: take a fresh link.
                }

                link.Add(connection.ConnectionId, sessionId, connection, replay);
                if (link.Reference is null)
                {
                    var observer = new Observer(this, link);
                    var reference = grains.CreateObjectReference<IUserObserver>(observer);
                    IReadOnlyList<ConversationView> broadcastGroups;
                    try
                    {
                        var connected = await ConnectAsync(link, reference);
                        await StartFeedAsync(link, connected.FeedLast);
                        broadcastGroups = await grains.GetGrain<IUserGrain>(userId).GetBroadcastGroupsAsync();
                    }
                    catch
                    {
                        grains.DeleteObjectReference<IUserObserver>(reference);
                        link.Remove(connection.ConnectionId);
                        throw;
                    }

                    link.Observer = observer;
                    link.Reference = reference;
                    LogObserverCreated(logger, userId);
                    await JoinBroadcastGroupsAsync(link, broadcastGroups);
                }
                else
                {
                    await ReportDevicesAsync(link);
                    await AddConnectionToGroupsAsync(link, connection.ConnectionId);
                }

                return;
            }
            finally
            {
                link.Gate.Release();
            }
        }
    }

    public async Task RemoveAsync(string userId, string connectionId)
    {
        if (!_users.TryGetValue(userId, out var link))
        {
            return;
        }

        await link.Gate.WaitAsync();
        try
        {
            if (!link.Remove(connectionId) || link.Closed)
            {
                return;
            }

            if (link.Count > 0)
            {
                await ReportDevicesAsync(link);
                return;
            }

            link.Closed = true;
            _users.TryRemove(new KeyValuePair<string, UserLink>(userId, link));
            if (link.Reference is { } reference)
            {
                try
                {
                    await grains.GetGrain<IUserGrain>(userId).UnsubscribeAsync(reference);
                }
                catch (Exception exception)
                {
                    // The subscription expires by itself; nothing else depends on this call.
                    LogUnsubscribeFailed(logger, exception, userId);
                }
                finally
                {
                    grains.DeleteObjectReference<IUserObserver>(reference);
                }
            }

            await LeaveBroadcastGroupsAsync(link);
            LogObserverRemoved(logger, userId);
        }
        finally
        {
            link.Gate.Release();
        }
    }

    /// <summary>A device says whether the app is in the foreground (active) or the background; presence follows.</summary>
    public async Task SetActiveAsync(string userId, string connectionId, bool active)
    {
        if (!_users.TryGetValue(userId, out var link))
        {
            return;
        }

        await link.Gate.WaitAsync();
        try
        {
            if (!link.Closed && link.SetActive(connectionId, active))
            {
                await ReportDevicesAsync(link);
            }
        }
        finally
        {
            link.Gate.Release();
        }
    }

    /// <summary>Tells the user grain what this process holds of the user's devices now (under the link's gate).</summary>
    private async Task ReportDevicesAsync(UserLink link)
    {
        if (link.Reference is not { } reference)
        {
            return;
        }

        try
        {
            await ConnectAsync(link, reference);
        }
        catch (Exception exception)
        {
            // The next renewal reports again; the connection itself is fine.
            LogRenewFailed(logger, exception, link.UserId);
        }
    }

    /// <summary>
    /// Renews every user's subscription (re-subscribes after the user grain was collected or its silo died). Many at a
    /// time: after a silo dies, a call to a grain that lived there may wait for the response timeout, and one slow call
    /// must not hold back everyone else's renewal.
    /// </summary>
    public async Task RenewAllAsync(CancellationToken cancellationToken)
    {
        await RenewUsersAsync(cancellationToken);
        await RenewGroupsAsync(cancellationToken);
    }

    private Task RenewUsersAsync(CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            _users.Values,
            new ParallelOptions { MaxDegreeOfParallelism = RenewalConcurrency, CancellationToken = cancellationToken },
            async (link, token) =>
            {
                if (link.Reference is { } reference && !link.Closed)
                {
                    try
                    {
                        await ConnectAsync(link, reference);
                    }
                    catch (Exception exception) when (!token.IsCancellationRequested)
                    {
                        // Anything, including Orleans' OperationCanceledException for a message that expired while a
                        // dead silo's grains were placed again: one failed renewal must not end the renewals.
                        LogRenewFailed(logger, exception, link.UserId);
                    }
                }
            });

    /// <summary>The message was written to a connection of each of these recipients here.</summary>
    private void NoteDelivered(Message message, IEnumerable<string> recipientIds) =>
        delivered.Note(message.ConversationId, recipientIds, message.SortNumber);

    private void AbortSession(string userId, string sessionId)
    {
        if (_users.TryGetValue(userId, out var link))
        {
            foreach (var connection in link.Of(sessionId))
            {
                LogSessionConnectionAborted(logger, userId, sessionId, connection.ConnectionId);
                connection.Context.Abort();
            }
        }
    }

    [LoggerMessage(EventId = 4401, Level = LogLevel.Debug, Message = "Observer of user {UserId} created and subscribed")]
    private static partial void LogObserverCreated(ILogger logger, string userId);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Debug, Message = "Observer of user {UserId} removed after the last connection closed")]
    private static partial void LogObserverRemoved(ILogger logger, string userId);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Warning, Message = "Could not unsubscribe the observer of user {UserId}")]
    private static partial void LogUnsubscribeFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Warning, Message = "Could not renew the observer subscription of user {UserId}")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 4405, Level = LogLevel.Information, Message = "Closing connection {ConnectionId} of user {UserId}: session {SessionId} ended")]
    private static partial void LogSessionConnectionAborted(ILogger logger, string userId, string sessionId, string connectionId);

    /// <summary>
    /// The connections of one user in this process, and their observer. Changes are made under <see cref="Gate"/> and
    /// publish a new array, so the observer reads the connections on every event without taking a lock.
    /// </summary>
    private sealed class UserLink(string userId)
    {
        private volatile UserConnection[] _connections = [];

        /// <summary>The broadcast groups whose roster entries this user's observer saw, with the newest revision seen.</summary>
        private readonly Dictionary<string, (long Revision, bool Member)> _groups = new(StringComparer.Ordinal);

        public string UserId { get; } = userId;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Taken while feed changes are put in order and sent (see <c>UserConnections.Feed.cs</c>).</summary>
        public SemaphoreSlim FeedGate { get; } = new(1, 1);

        /// <summary>The sequence of the next feed change to send; 0 until the subscription says (changes wait meanwhile).</summary>
        public long NextSequence { get; set; }

        /// <summary>Feed changes that came before an earlier one, by sequence.</summary>
        public SortedDictionary<long, FeedChange> Held { get; } = [];

        /// <summary>Whether a check of a gap in the held changes is due.</summary>
        public bool GapCheckDue { get; set; }

        /// <summary>The last sortNumber sent live here per conversation (under <see cref="FeedGate"/>).</summary>
        private readonly Dictionary<string, long> _lastMessages = new(StringComparer.Ordinal);

        /// <summary>Whether the message is past the last one of its conversation sent here, and notes it.</summary>
        public bool IsNewMessage(Message message)
        {
            ref var last = ref CollectionsMarshal.GetValueRefOrAddDefault(_lastMessages, message.ConversationId, out _);
            if (message.SortNumber <= last)
            {
                return false;
            }

            last = message.SortNumber;
            return true;
        }

        public bool Closed { get; set; }

        /// <summary>Held here because Orleans keeps only a weak reference to the object behind an observer reference.</summary>
        public Observer? Observer { get; set; }

        public IUserObserver? Reference { get; set; }

        /// <summary>Grows with every change of the connections, so the user grain can tell a late report from a newer one.</summary>
        private long _version;

        public int Count => _connections.Length;

        /// <summary>The users whose messages this user does not receive (a privacy list), as the user grain last said.</summary>
        public HashSet<string> Silenced { get; set; } = [];

        public void Add(string connectionId, string sessionId, HubCallerContext context, ReplayBuffer? replay)
        {
            _connections = [.. _connections.Where(c => c.ConnectionId != connectionId), new UserConnection(connectionId, sessionId, context, replay)];
            _version++;
        }

        public bool Remove(string connectionId)
        {
            var before = _connections;
            _connections = [.. before.Where(c => c.ConnectionId != connectionId)];
            _version++;
            return _connections.Length != before.Length;
        }

        /// <summary>Marks a connection in the foreground or the background; false if it is not here or already so.</summary>
        public bool SetActive(string connectionId, bool active)
        {
            var before = _connections;
            if (!before.Any(c => c.ConnectionId == connectionId && c.Active != active))
            {
                return false;
            }

            _connections = [.. before.Select(c => c.ConnectionId == connectionId ? c with { Active = active } : c)];
            _version++;
            return true;
        }

        public DevicePresence Devices()
        {
            var connections = _connections;
            return new DevicePresence(connections.Length, connections.Count(c => c.Active), _version);
        }

        public UserConnection[] Of(string sessionId) => [.. _connections.Where(c => c.IsOf(sessionId))];

        /// <summary>
        /// Notes what a roster entry of revision <paramref name="revision"/> says: whether the user is a member of the
        /// broadcast group. False (nothing to do) for an entry no newer than the last one noted.
        /// </summary>
        public bool SetGroup(string groupId, long revision, bool member)
        {
            lock (_groups)
            {
                var seen = _groups.TryGetValue(groupId, out var known);
                if ((seen && known.Revision >= revision) || (!member && !known.Member))
                {
                    return false; // Older than what was applied, or nothing to undo.
                }

                _groups[groupId] = (revision, member);
                return true;
            }
        }

        /// <summary>Whether the user should get the group's broadcasts here: a member, and still connected.</summary>
        public bool WantsGroup(string groupId)
        {
            lock (_groups)
            {
                return !Closed && _groups.TryGetValue(groupId, out var known) && known.Member;
            }
        }

        public string[] GroupIds()
        {
            lock (_groups)
            {
                return [.. _groups.Keys];
            }
        }

        /// <summary>Whether the user has a connection here other than those of the session (any, without one).</summary>
        public bool HasConnectionOutside(string? sessionId)
        {
            foreach (var connection in _connections)
            {
                if (sessionId is null || !connection.IsOf(sessionId))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Every connection, or (with a session) those of the user's other devices.</summary>
        public UserConnection[] Except(string? sessionId) =>
            sessionId is null ? _connections : [.. _connections.Where(c => !c.IsOf(sessionId))];
    }

    /// <summary>One connection; <see cref="Replay"/> holds its feed events while its missed changes are replayed.</summary>
    private sealed record UserConnection(string ConnectionId, string SessionId, HubCallerContext Context, ReplayBuffer? Replay, bool Active = true)
    {
        public bool IsOf(string sessionId) => string.Equals(SessionId, sessionId, StringComparison.Ordinal);
    }

    /// <summary>
    /// The grain observer of one user: pushes each event to that user's connections here. Addressed by connection, not
    /// through a SignalR group: a send to one connection is written straight to it, while a group send first
    /// serializes into a buffer of its own and walks the group.
    /// </summary>
    private sealed class Observer(UserConnections owner, UserLink link) : IUserObserver
    {
        public async ValueTask OnFeedChangeAsync(FeedChange change) => await owner.AcceptAsync(link, change);

        public async ValueTask OnCustomMessageAsync(CustomMessageSent sent) =>
            await SendAsync(sent.OriginSessionId, client => client.CustomMessage(sent.Message));

        public async ValueTask OnTypingChangedAsync(TypingChanged changed) =>
            await SendAsync(exceptSession: null, client => client.TypingChange(changed));

        public async ValueTask OnPresenceChangedAsync(UserPresence presence) =>
            await SendAsync(exceptSession: null, client => client.PresenceChange(presence));

        public ValueTask OnSilencedChangedAsync(IReadOnlyList<string> silenced)
        {
            link.Silenced = silenced.ToHashSet(StringComparer.Ordinal);
            return ValueTask.CompletedTask;
        }

        public ValueTask OnSessionRevokedAsync(SessionRevoked revoked)
        {
            owner.AbortSession(link.UserId, revoked.SessionId);
            return ValueTask.CompletedTask;
        }

        /// <summary>Sends to the user's connections here (but those of the session); false if there were none.</summary>
        private ValueTask<bool> SendAsync(string? exceptSession, Func<IChatClient, Task> send) => owner.SendToAsync(link.Except(exceptSession), send);
    }

    /// <summary>
    /// Sends to these connections: one straight to it, several addressed by id (not through a SignalR group, which
    /// serializes into a buffer of its own and walks the group); false if there were none.
    /// </summary>
    private async ValueTask<bool> SendToAsync(UserConnection[] targets, Func<IChatClient, Task> send)
    {
        switch (targets.Length)
        {
            case 0:
                return false;
            case 1:
                await send(Clients.Client(targets[0].ConnectionId));
                return true;
            default:
                await send(Clients.Clients([.. targets.Select(c => c.ConnectionId)]));
                return true;
        }
    }

    /// <summary>Subscribes (or renews) the user's observer and reports this host's devices; keeps the silenced users.</summary>
    private async Task<Connected> ConnectAsync(UserLink link, IUserObserver reference)
    {
        var connected = await grains.GetGrain<IUserGrain>(link.UserId).ConnectAsync(reference, link.Devices());
        link.Silenced = connected.Silenced.ToHashSet(StringComparer.Ordinal);
        return connected;
    }
}
