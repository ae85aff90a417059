using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// What each change makes of a message, the same in every kind of conversation: pure functions, no storage. Each returns
/// null when the change would change nothing (an edit to the same text, a reaction already there), so a retry is harmless.
/// Who may make a change is the conversation's business; these check only what the message itself allows.
/// </summary>
internal static class MessageRevisions
{
    /// <summary>Different emoji one message may carry.</summary>
    public const int MaxReactionEmoji = 50;

    /// <summary>A new body; new metadata when <paramref name="metadata"/> is given (empty removes it), else the same.</summary>
    public static Message? Edit(Message message, string body, IReadOnlyList<MessageMetadata>? metadata, DateTimeOffset at)
    {
        EnsureLive(message, "edited");

        var newMetadata = metadata is null ? message.Metadata : metadata.Count == 0 ? null : metadata;
        return body == message.Body && SameMetadata(newMetadata, message.Metadata)
            ? null
            : message with { Body = body, Metadata = newMetadata, EditedAt = at };
    }

    /// <summary>The tombstone: what the message said (body, metadata, attachments, reactions) is gone; who and when stay.</summary>
    public static Message? Recall(Message message, string byUserId, DateTimeOffset at) =>
        message.Recalled is not null ? null : Erased(message) with { Recalled = new MessageRecall(byUserId, at) };

    /// <summary>A message gone by itself (expired, deleted on read): erased like a recall, and left out of history.</summary>
    public static Message? Remove(Message message, MessageChangeKind reason, DateTimeOffset at) =>
        message.Removed is not null ? null : Erased(message) with { Removed = new MessageRemoval(reason, at) };

    /// <summary>Whether the message counts as unread for its recipients: not a thread reply, neither recalled nor gone.</summary>
    public static bool Counts(Message message) => message.ParentSortNumber is null && !IsGone(message);

    /// <summary>Whether a member wrote the message (text, image, file, location), rather than the group recording a membership change.</summary>
    public static bool IsFromMember(Message message) => message.Type != MessageType.GroupMembershipChange;

    /// <summary>Whether what the message said is gone: recalled, expired or deleted on read.</summary>
    public static bool IsGone(Message message) => message.Recalled is not null || message.Removed is not null;

    public static Message? Pin(Message message, string byUserId, DateTimeOffset at, bool pinned)
    {
        if (!pinned)
        {
            return message.Pinned is null ? null : message with { Pinned = null };
        }

        EnsureLive(message, "pinned");
        return message.Pinned is not null ? null : message with { Pinned = new MessagePin(byUserId, at) };
    }

    public static Message? React(Message message, string userId, string emoji, bool add)
    {
        var reactions = message.Reactions ?? [];
        var index = reactions.ToList().FindIndex(r => string.Equals(r.Emoji, emoji, StringComparison.Ordinal));
        var users = index < 0 ? [] : reactions[index].UserIds;
        var has = users.Contains(userId, StringComparer.Ordinal);
        if (add == has)
        {
            return null;
        }

        if (add)
        {
            EnsureLive(message, "reacted to");
            if (index < 0 && reactions.Count >= MaxReactionEmoji)
            {
                throw new InvalidArgumentException($"A message carries at most {MaxReactionEmoji} different reactions.", "emoji");
            }
        }

        var changed = new MessageReaction(emoji, add ? [.. users, userId] : [.. users.Where(u => !string.Equals(u, userId, StringComparison.Ordinal))]);
        var list = reactions.ToList();
        if (index < 0)
        {
            list.Add(changed);
        }
        else if (changed.Count == 0)
        {
            list.RemoveAt(index);
        }
        else
        {
            list[index] = changed;
        }

        return message with { Reactions = list.Count == 0 ? null : list };
    }

    private static void EnsureLive(Message message, string verb)
    {
        if (message.Recalled is not null)
        {
            throw new InvalidArgumentException($"A recalled message cannot be {verb}.", "sortNumber");
        }
    }

    private static Message Erased(Message message) =>
        message with { Body = "", Metadata = null, Attachments = null, Reactions = null, Pinned = null };

    private static bool SameMetadata(IReadOnlyList<MessageMetadata>? left, IReadOnlyList<MessageMetadata>? right) =>
        (left ?? []).SequenceEqual(right ?? []);
}
