using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;
using Orleans.Runtime;

namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// Changes of the group's messages (see <see cref="MessageChangeCommands"/>): here, who may (a sender edits and recalls
/// their own, an owner or admin recalls any; pins take the right to send), and who hears (every member who can see the
/// message, or in a broadcast group every Api host once); and messages that go by themselves (see <see cref="MessageRemovals"/>).
/// </summary>
public sealed partial class GroupGrain : IThreadRules, IRemindable
{
    private MessageChanges _changes = null!;
    private MessageThreads _threads = null!;
    private MessageAttachments _attachments = null!;
    private MessageRemovals _removals = null!;

    MessageChanges IMessageChangeRules.Changes => _changes;

    DateTimeOffset IMessageChangeRules.Now => timeProvider.GetUtcNow();

    IReadOnlyList<long> IMessageChangeRules.Pins => S.Pins;

    public async ValueTask<Message> EditAsync(EditMessageCommand command) => await MessageChangeCommands.EditAsync(this, command);

    public async ValueTask<Message> RecallAsync(string requesterId, long sortNumber) => await MessageChangeCommands.RecallAsync(this, requesterId, sortNumber);

    public async ValueTask DeleteForMeAsync(string requesterId, long sortNumber) => await MessageChangeCommands.DeleteForMeAsync(this, requesterId, sortNumber);

    public async ValueTask<Message> SetPinnedAsync(string requesterId, long sortNumber, bool pinned) =>
        await MessageChangeCommands.SetPinnedAsync(this, requesterId, sortNumber, pinned);

    public async ValueTask<IReadOnlyList<Message>> GetPinsAsync(string requesterId) => await MessageChangeCommands.GetPinsAsync(this, requesterId);

    public async ValueTask<Message> ReactAsync(string requesterId, long sortNumber, string emoji, bool add) =>
        await MessageChangeCommands.ReactAsync(this, requesterId, sortNumber, emoji, add);

    public async ValueTask<ChangePage> GetChangesAsync(ChangesQuery query) => await MessageChangeCommands.GetChangesAsync(this, query);

    public async ValueTask<AttachmentPage> GetAttachmentsAsync(AttachmentsQuery query) => await _attachments.ReadAsync(this, query);

    public async ValueTask<ThreadPage> GetThreadAsync(ThreadQuery query) => await ThreadCommands.GetThreadAsync(this, query);

    public async ValueTask<long> MarkThreadReadAsync(string requesterId, long parentSortNumber, long sortNumber) =>
        await ThreadCommands.MarkReadAsync(this, requesterId, parentSortNumber, sortNumber);

    MessageThreads IThreadRules.Threads => _threads;

    Dictionary<long, long> IThreadRules.ThreadReadsOf(string memberId) => S.Members[memberId].ThreadReads;

    async Task<Message> IMessageChangeRules.VisibleAsync(string requesterId, long sortNumber) => await GetMessageAsync(requesterId, sortNumber);

    Func<long, bool> IMessageChangeRules.SeenBy(string requesterId)
    {
        var (first, last) = VisibleWindow(requesterId);
        return sortNumber => sortNumber >= first && sortNumber <= Math.Min(last, _lastSortNumber);
    }

    void IMessageChangeRules.EnsureMayRecall(string requesterId, Message message)
    {
        if (!string.Equals(message.SenderId, requesterId, StringComparison.Ordinal) && Member(requesterId).Role == GroupRole.Member)
        {
            throw new PermissionDeniedException("Only its sender, the owner or an admin recalls a message.");
        }
    }

    void IMessageChangeRules.EnsureMayPin(string requesterId)
    {
        var member = Member(requesterId);
        if (member.Role == GroupRole.Member && !member.Permissions.MaySend)
        {
            throw new PermissionDeniedException("You may not pin messages in this group.");
        }
    }

    List<PendingRemoval> IMessageRemovalRules.PendingRemovals => S.PendingRemovals;

    Task IMessageRemovalRules.StoreAsync() => WriteStateAsync();

    bool IMessageRemovalRules.ReadByAll(PendingRemoval removal) =>
        Audience().All(m => string.Equals(m.Key, removal.SenderId, StringComparison.Ordinal) || m.Value.ReadSortNumber >= removal.SortNumber);

    public Task ReceiveReminder(string reminderName, TickStatus status) => _removals.SweepAsync();

    async Task IMessageChangeRules.PublishAsync(MessageChange change, Message before, Message? after)
    {
        if (after is null)
        {
            // Deleted for me: only the member's own devices hear of it; nobody's view changes.
            await PushToUsersAsync([change.ActorId], change.ActorId, sent: null, change: change);
            return;
        }

        if (after.SortNumber == _lastSortNumber)
        {
            _lastMessage = after.Removed is null ? after : null;
        }

        if (MessageRevisions.Counts(before) && !MessageRevisions.Counts(after))
        {
            // Recalled or gone: no longer unread for anyone (the log stops counting it too).
            foreach (var (userId, unread) in _unread)
            {
                if (S.Members[userId].UnreadAfter() < before.SortNumber && !string.Equals(userId, before.SenderId, StringComparison.Ordinal))
                {
                    unread.Value -= LogCount.One(before.Priority == MessagePriority.High);
                }
            }
        }

        if (MessageRevisions.IsGone(after) && !MessageRevisions.IsGone(before))
        {
            await _attachments.ReleaseAsync(before); // the bytes go with the last message that carries them
        }

        var unmentioned = MessageRevisions.IsGone(after) && Mentions.Untrack(after.SortNumber, S.Members.Values.Select(m => m.Mentions));
        if (MessageChangeCommands.FollowPin(S.Pins, after) | unmentioned)
        {
            await WriteStateAsync();
        }

        if (S.Broadcast && timeProvider.GetUtcNow() >= _perMemberUntil)
        {
            // Once to every Api host, which leaves out the members who cannot see the message.
            var notTo = Audience().Where(m => !InWindow(m.Key, change.SortNumber)).Select(m => m.Key).ToList();
            var broadcast = new GroupMessageChange(change, notTo);
            _ = _hosts.Notify(host => host.OnMessageChangeAsync(broadcast).AsTask());
            return;
        }

        await PushToMembersAsync(change.ActorId, sent: null, read: null, change: change);
    }

    /// <summary>Whether the user's window of the group holds <paramref name="sortNumber"/>.</summary>
    private bool InWindow(string userId, long sortNumber)
    {
        var (first, last) = VisibleWindow(userId);
        return sortNumber >= first && sortNumber <= last;
    }

    /// <summary>After a crash cut the last change short, the pins follow its message (see <see cref="MessageChanges.ActivateAsync"/>).</summary>
    private async Task ReconcilePinsAsync((MessageChange Change, Message Message)? last)
    {
        if (S.Created && last is { Message: var message } && MessageChangeCommands.FollowPin(S.Pins, message))
        {
            await WriteStateAsync();
        }
    }
}
