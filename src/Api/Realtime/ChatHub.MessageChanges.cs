using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// The hub's side of what happens to a message after it is sent, and of threads (see <c>MessageChangesApi</c> and
/// <c>ThreadsApi</c> for the REST routes).
/// </summary>
public sealed partial class ChatHub
{
    /// <summary>Edits one of my text messages (<c>message:updated</c> to every member's devices).</summary>
    public async Task<Message> EditMessage(string conversationId, long sortNumber, EditMessageRequest request) =>
        await ChatConversations.Get(grains, conversationId).EditAsync(new EditMessageCommand(
            CallerId, sortNumber, request?.Body ?? throw new InvalidArgumentException("'body' must not be empty.", "body"), request.Metadata));

    /// <summary>Recalls a message for everyone (<c>message:recalled</c>); returns the tombstone.</summary>
    public async Task<Message> RecallMessage(string conversationId, long sortNumber) =>
        await ChatConversations.Get(grains, conversationId).RecallAsync(CallerId, sortNumber);

    /// <summary>Deletes a message from my history only (<c>message:deleted</c> to my devices).</summary>
    public async Task DeleteMessageForMe(string conversationId, long sortNumber) =>
        await ChatConversations.Get(grains, conversationId).DeleteForMeAsync(CallerId, sortNumber);

    public async Task<Message> PinMessage(string conversationId, long sortNumber) =>
        await ChatConversations.Get(grains, conversationId).SetPinnedAsync(CallerId, sortNumber, pinned: true);

    public async Task<Message> UnpinMessage(string conversationId, long sortNumber) =>
        await ChatConversations.Get(grains, conversationId).SetPinnedAsync(CallerId, sortNumber, pinned: false);

    public async Task<IReadOnlyList<Message>> GetPins(string conversationId) =>
        await ChatConversations.Get(grains, conversationId).GetPinsAsync(CallerId);

    public async Task<Message> AddReaction(string conversationId, long sortNumber, string emoji) =>
        await ChatConversations.Get(grains, conversationId).ReactAsync(CallerId, sortNumber, emoji, add: true);

    public async Task<Message> RemoveReaction(string conversationId, long sortNumber, string emoji) =>
        await ChatConversations.Get(grains, conversationId).ReactAsync(CallerId, sortNumber, emoji, add: false);

    /// <summary>A page of a message's thread (its replies after the reply <paramref name="after"/>) with my read marker.</summary>
    public async Task<ThreadPage> GetThread(string conversationId, long parentSortNumber, long after, int? limit) =>
        await ThreadsApi.GetAsync(grains, conversationId, CallerId, new ThreadQuery(CallerId, parentSortNumber, after, limit));

    /// <summary>Moves my read marker in a thread; returns it.</summary>
    public async Task<long> MarkThreadRead(string conversationId, long parentSortNumber, long sortNumber) =>
        await ChatConversations.Get(grains, conversationId).MarkThreadReadAsync(CallerId, parentSortNumber, sortNumber);

    /// <summary>The attachments of the messages I see in a conversation, newest first (see the REST route).</summary>
    public async Task<AttachmentPage> GetAttachments(string conversationId, long? before, int? limit) =>
        await ChatConversations.Get(grains, conversationId).GetAttachmentsAsync(new AttachmentsQuery(CallerId, before, limit));

    /// <summary>The changes of messages after a change number, oldest first (catch-up after being offline).</summary>
    public async Task<ChangePage> GetChanges(string conversationId, long after, int? limit) =>
        await ChatConversations.Get(grains, conversationId).GetChangesAsync(new ChangesQuery(CallerId, after, limit));
}
