using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>What a conversation decides itself when its messages change: who sees and may do what, and who hears of it.</summary>
internal interface IMessageChangeRules
{
    MessageChanges Changes { get; }

    DateTimeOffset Now { get; }

    /// <summary>The message as the requester's history shows it; <c>not-found</c> if it does not.</summary>
    Task<Message> VisibleAsync(string requesterId, long sortNumber);

    /// <summary>
    /// Which sortNumbers the requester's history may show (their window; their deletes aside); throws as the
    /// conversation does for a user who is not a member.
    /// </summary>
    Func<long, bool> SeenBy(string requesterId);

    /// <summary>Throws <c>permission-denied</c> unless the requester may recall <paramref name="message"/>.</summary>
    void EnsureMayRecall(string requesterId, Message message);

    /// <summary>Throws <c>permission-denied</c> unless the requester may pin and unpin.</summary>
    void EnsureMayPin(string requesterId);

    /// <summary>The pinned sortNumbers, most recently pinned first.</summary>
    IReadOnlyList<long> Pins { get; }

    /// <summary>
    /// Takes a stored change: the grain's own records (last message, counts, pins), then the members' devices.
    /// <paramref name="after"/> is the message as stored now; null when only the actor's history changed (deleted for me).
    /// </summary>
    Task PublishAsync(MessageChange change, Message before, Message? after);
}

/// <summary>
/// Edit, recall, delete for me, pin, react, and the catch-up of changes: the same steps in every kind of conversation,
/// with <see cref="IMessageChangeRules"/> for what differs. Each change is stored in order by <see cref="MessageChanges"/>
/// before anyone hears of it; one that would change nothing stores nothing and returns the message as it is.
/// </summary>
internal static class MessageChangeCommands
{
    /// <summary>Pins one conversation holds at most.</summary>
    public const int MaxPins = 100;

    public static async Task<Message> EditAsync(IMessageChangeRules rules, EditMessageCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var senderId = Validate.Id(command.SenderId, "senderId");
        var body = Validate.Body(command.Body);
        // Null keeps the metadata; an empty list removes it.
        var metadata = command.Metadata is null ? null : Validate.MessageMetadata(command.Metadata) ?? [];
        var message = await rules.VisibleAsync(senderId, Validate.SortNumber(command.SortNumber, "sortNumber"));
        if (!string.Equals(message.SenderId, senderId, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException("Only its sender edits a message.");
        }

        return await ApplyAsync(rules, message, MessageRevisions.Edit(message, body, metadata, rules.Now), MessageChangeKind.Edited, senderId);
    }

    public static async Task<Message> RecallAsync(IMessageChangeRules rules, string requesterId, long sortNumber)
    {
        var message = await ChangeableAsync(rules, requesterId, sortNumber);
        rules.EnsureMayRecall(requesterId, message);
        return await ApplyAsync(rules, message, MessageRevisions.Recall(message, requesterId, rules.Now), MessageChangeKind.Recalled, requesterId);
    }

    public static async Task DeleteForMeAsync(IMessageChangeRules rules, string requesterId, long sortNumber)
    {
        Validate.Id(requesterId, "requesterId");
        Validate.SortNumber(sortNumber, "sortNumber");
        if ((await rules.Changes.HiddenAsync(requesterId)).Contains(sortNumber))
        {
            return; // A retry: deleted for them already.
        }

        var message = await rules.VisibleAsync(requesterId, sortNumber);
        if (await rules.Changes.HideAsync(requesterId, sortNumber, rules.Now) is { } change)
        {
            await rules.PublishAsync(change, message, after: null);
        }
    }

    public static async Task<Message> SetPinnedAsync(IMessageChangeRules rules, string requesterId, long sortNumber, bool pinned)
    {
        var message = await ChangeableAsync(rules, requesterId, sortNumber);
        rules.EnsureMayPin(requesterId);
        if (pinned && message.Pinned is null && rules.Pins.Count >= MaxPins)
        {
            throw new InvalidArgumentException($"A conversation holds at most {MaxPins} pins; unpin one first.", "sortNumber");
        }

        var kind = pinned ? MessageChangeKind.Pinned : MessageChangeKind.Unpinned;
        return await ApplyAsync(rules, message, MessageRevisions.Pin(message, requesterId, rules.Now, pinned), kind, requesterId);
    }

    public static async Task<IReadOnlyList<Message>> GetPinsAsync(IMessageChangeRules rules, string requesterId)
    {
        var sees = rules.SeenBy(Validate.Id(requesterId, "requesterId"));
        var hidden = await rules.Changes.HiddenAsync(requesterId);
        var pins = new List<Message>();
        foreach (var sortNumber in rules.Pins.Where(s => sees(s) && !hidden.Contains(s)))
        {
            if (await rules.Changes.MessageAtAsync(sortNumber) is { Pinned: not null } message)
            {
                pins.Add(message);
            }
        }

        return pins;
    }

    public static async Task<Message> ReactAsync(IMessageChangeRules rules, string requesterId, long sortNumber, string emoji, bool add)
    {
        Validate.Emoji(emoji);
        var message = await ChangeableAsync(rules, requesterId, sortNumber);
        var kind = add ? MessageChangeKind.ReactionAdded : MessageChangeKind.ReactionRemoved;
        return await ApplyAsync(rules, message, MessageRevisions.React(message, requesterId, emoji, add), kind, requesterId, emoji);
    }

    public static async Task<ChangePage> GetChangesAsync(IMessageChangeRules rules, ChangesQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var requesterId = Validate.Id(query.RequesterId, "requesterId");
        var after = Validate.SortNumber(query.After, "after");
        var sees = rules.SeenBy(requesterId);
        return await rules.Changes.ReadAsync(requesterId, after, Validate.Limit(query.Limit), sees, rules.Now);
    }

    /// <summary>
    /// Makes a conversation's pins (most recently pinned first) agree with the message: in when pinned, out when not
    /// (unpinned, or recalled). True when they changed, for the grain to store them.
    /// </summary>
    public static bool FollowPin(List<long> pins, Message message)
    {
        var pinned = message.Pinned is not null;
        if (pins.Contains(message.SortNumber) == pinned)
        {
            return false;
        }

        pins.Remove(message.SortNumber);
        if (pinned)
        {
            pins.Insert(0, message.SortNumber);
        }

        return true;
    }

    /// <summary>A message the requester sees that can change: a member's (a membership change is the group's record).</summary>
    private static async Task<Message> ChangeableAsync(IMessageChangeRules rules, string requesterId, long sortNumber)
    {
        Validate.Id(requesterId, "requesterId");
        var message = await rules.VisibleAsync(requesterId, Validate.SortNumber(sortNumber, "sortNumber"));
        return MessageRevisions.IsFromMember(message)
            ? message
            : throw new InvalidArgumentException("A membership change does not change after it is recorded.", "sortNumber");
    }

    private static async Task<Message> ApplyAsync(IMessageChangeRules rules, Message current, Message? revised, MessageChangeKind kind, string actorId, string? emoji = null)
    {
        if (revised is null)
        {
            return current;
        }

        var (change, stored) = await rules.Changes.ApplyAsync(current, revised, kind, actorId, rules.Now, emoji);
        await rules.PublishAsync(change, current, stored);
        return stored;
    }
}
