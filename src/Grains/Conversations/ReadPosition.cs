namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A member's read position in a conversation: the read cursor, which other members see as read receipts and which
/// never goes back, and the member's own "unread from" mark, which makes messages count as unread again without taking
/// back the receipts (marking a conversation unread is a note to oneself, not news to the sender).
/// </summary>
internal interface IReadPosition
{
    long ReadSortNumber { get; set; }

    /// <summary>Messages from this sortNumber on count as unread again for this member; 0 when unmarked.</summary>
    long UnreadFromSortNumber { get; set; }

    /// <summary>The member cleared their history up to here: those messages are gone for them (and not unread).</summary>
    long ClearedSortNumber { get; set; }
}

internal static class ReadPositions
{
    /// <summary>The member's unread messages are the others' messages after this sortNumber.</summary>
    public static long UnreadAfter(this IReadPosition position) => Math.Max(
        position.ClearedSortNumber,
        position.UnreadFromSortNumber > 0 ? Math.Min(position.ReadSortNumber, position.UnreadFromSortNumber - 1) : position.ReadSortNumber);

    /// <summary>
    /// Reads up to <paramref name="upTo"/>: the read cursor moves forward (never back) and the unread mark moves past
    /// what was read, or goes. False when nothing changes.
    /// </summary>
    public static bool Read(this IReadPosition position, long upTo)
    {
        if (upTo <= position.UnreadAfter())
        {
            return false;
        }

        position.ReadSortNumber = Math.Max(position.ReadSortNumber, upTo);
        position.UnreadFromSortNumber = upTo >= position.ReadSortNumber ? 0 : upTo + 1;
        return true;
    }

    /// <summary>
    /// Makes the messages from <paramref name="from"/> on (none the member cleared) unread again; false when they are
    /// unread already.
    /// </summary>
    public static bool MarkUnread(this IReadPosition position, long from)
    {
        from = Math.Max(from, position.ClearedSortNumber + 1);
        if (from > position.UnreadAfter())
        {
            return false;
        }

        position.UnreadFromSortNumber = from;
        return true;
    }

    /// <summary>Clears the member's history up to <paramref name="upTo"/> (never back); false when nothing changes.</summary>
    public static bool Clear(this IReadPosition position, long upTo)
    {
        if (upTo <= position.ClearedSortNumber)
        {
            return false;
        }

        position.ClearedSortNumber = upTo;
        return true;
    }
}
