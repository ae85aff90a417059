using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;
using Orleans.Runtime;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// Changes of the conversation's messages (see <see cref="MessageChangeCommands"/>) and messages that go by themselves
/// (see <see cref="MessageRemovals"/>): here, who may, and who hears.
/// </summary>
public sealed partial class ConversationGrain : IThreadRules, IRemindable
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
        CounterpartyOf(requesterId);
        var cleared = S.Members[requesterId].ClearedSortNumber;
        return sortNumber => sortNumber > cleared && sortNumber <= _lastSortNumber;
    }

    void IMessageChangeRules.EnsureMayRecall(string requesterId, Message message)
    {
        if (!string.Equals(message.SenderId, requesterId, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException("Only its sender recalls a message.");
        }
    }

    void IMessageChangeRules.EnsureMayPin(string requesterId) => CounterpartyOf(requesterId);

    List<PendingRemoval> IMessageRemovalRules.PendingRemovals => S.PendingRemovals;

    Task IMessageRemovalRules.StoreAsync() => WriteStateAsync().AsTask();

    bool IMessageRemovalRules.ReadByAll(PendingRemoval removal) =>
        S.Members[_key.CounterpartyOf(removal.SenderId)].ReadSortNumber >= removal.SortNumber;

    public Task ReceiveReminder(string reminderName, TickStatus status) => _removals.SweepAsync();

    async Task IMessageChangeRules.PublishAsync(MessageChange change, Message before, Message? after)
    {
        if (after is null)
        {
            // Deleted for me: only the member's own devices hear of it; nobody's view changes.
            await _pushes.PushAndWait(Update(change.ActorId, sent: null, read: null, change: change));
            return;
        }

        if (after.SortNumber == _lastSortNumber)
        {
            _lastMessage = after.Removed is null ? after : null;
        }

        if (MessageRevisions.Counts(before) && !MessageRevisions.Counts(after))
        {
            // Recalled or gone: no longer unread for the other member (the log stops counting it too).
            var recipient = _key.CounterpartyOf(before.SenderId);
            if (S.Members[recipient].UnreadAfter() < before.SortNumber)
            {
                _unread[recipient] = _unread.GetValueOrDefault(recipient) - LogCount.One(before.Priority == MessagePriority.High);
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

        await PushAsync(change.ActorId, sent: null, read: null, change);
    }

    /// <summary>After a crash cut the last change short, the pins follow its message (see <see cref="MessageChanges.ActivateAsync"/>).</summary>
    private async Task ReconcilePinsAsync((MessageChange Change, Message Message)? last)
    {
        if (last is { Message: var message } && MessageChangeCommands.FollowPin(S.Pins, message))
        {
            await WriteStateAsync();
        }
    }
}
