using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;
using Orleans.Utilities;

namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// How changes reach the members: pushed to each member's user grain (<see cref="RosterPushes"/>), or, in a broadcast
/// group, sent once to every subscribed Api host (<see cref="IGroupObserver"/>).
/// </summary>
public sealed partial class GroupGrain
{
    private readonly RosterPushes _pushes = new(grains, logger);
    private readonly ObserverManager<IGroupObserver> _hosts = new(UserObserverSubscription.Expiration, logger);

    /// <summary>Until then a broadcast group still sends to every member's user grain (see <see cref="GroupOptions.BroadcastGrace"/>).</summary>
    private DateTimeOffset _perMemberUntil;

    public ValueTask SubscribeAsync(IGroupObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _hosts.Subscribe(observer, observer);
        return ValueTask.CompletedTask;
    }

    public ValueTask UnsubscribeAsync(IGroupObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _hosts.Unsubscribe(observer);
        return ValueTask.CompletedTask;
    }

    /// <summary>A new message to every member: through their user grains, or once to each Api host in a broadcast group.</summary>
    private Task PublishMessageAsync(string senderId, MessageSent sent)
    {
        if (!S.Broadcast || timeProvider.GetUtcNow() < _perMemberUntil)
        {
            return PushToMembersAsync(senderId, sent, read: null);
        }

        // The sender's other devices get it from their host too; the rosters refresh theirs when they are read.
        Broadcast(sent, notTo: []);
        return Task.CompletedTask;
    }

    public async ValueTask<CustomMessage> SendCustomAsync(CustomMessageCommand command)
    {
        var custom = CustomMessages.Create(command, _id, _key.OrganizationId, timeProvider.GetUtcNow());
        var sender = Member(custom.SenderId);
        if (S.Type == GroupType.DistributionList || (sender.Role == GroupRole.Member && !sender.Permissions.MaySend))
        {
            // A distribution list's members never see the list, so it carries nothing that is not a 1-1 message.
            throw new PermissionDeniedException("You may not send messages in this group.");
        }

        var sent = new CustomMessageSent(custom, command.OriginSessionId);
        if (S.Broadcast && timeProvider.GetUtcNow() >= _perMemberUntil)
        {
            _ = _hosts.Notify(host => host.OnCustomMessageAsync(sent).AsTask());
            return custom;
        }

        foreach (var (userId, _) in Audience())
        {
            await grains.GetGrain<IUserGrain>(userId).DeliverCustomAsync(sent);
        }

        return custom;
    }

    /// <summary>Sends a message once to every subscribed Api host, which pushes it to its connected members.</summary>
    private void Broadcast(MessageSent sent, IReadOnlyList<string> notTo)
    {
        var message = new GroupMessage(sent, notTo);
        _ = _hosts.Notify(host => host.OnGroupMessageAsync(message).AsTask());
    }

    /// <summary>
    /// Pushes every current member's view (with the event) to their user grains, and to <paramref name="alsoTo"/>
    /// (members who just left: their last view); waits only for <paramref name="caller"/>'s, whose answer depends on it.
    /// </summary>
    private Task PushToMembersAsync(string caller, MessageSent? sent, MessageRead? read, IEnumerable<string>? alsoTo = null, IReadOnlyDictionary<string, List<MessageDelivered>>? delivered = null, MessageChange? change = null) =>
        PushToUsersAsync(Audience().Select(m => m.Key).Concat(alsoTo ?? []), caller, sent, read, delivered, change);

    /// <summary>
    /// Pushes the users' views (with the events: the message, a read receipt to all but the reader, each user's own
    /// delivered receipts, a message's change to those who can see the message) to their user grains; waits only for
    /// <paramref name="caller"/>'s.
    /// </summary>
    private async Task PushToUsersAsync(IEnumerable<string> userIds, string caller, MessageSent? sent, MessageRead? read = null, IReadOnlyDictionary<string, List<MessageDelivered>>? delivered = null, MessageChange? change = null)
    {
        var floor = Floor();
        var callers = Task.CompletedTask;
        foreach (var userId in userIds)
        {
            await UnreadAsync(userId);
            var update = new ConversationUpdate(
                userId,
                View(userId, floor),
                sent,
                read is not null && !string.Equals(read.ReaderId, userId, StringComparison.Ordinal) ? read : null,
                delivered?.GetValueOrDefault(userId),
                change is not null && InWindow(userId, change.SortNumber) ? change : null);
            if (string.Equals(userId, caller, StringComparison.Ordinal))
            {
                callers = _pushes.PushAndWait(update);
            }
            else
            {
                _pushes.Push(update);
            }
        }

        await callers;
    }
}
