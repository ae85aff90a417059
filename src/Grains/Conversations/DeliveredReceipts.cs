using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// The delivered receipts a conversation (1-1 or group) took since its last flush. The cursors themselves are in the
/// members' state; this says whether a write has taken them yet, and whose moves the other members have not heard of.
/// One flush a second stores and announces them all, instead of one write and one push per receipt.
/// </summary>
internal sealed class DeliveredReceipts
{
    private readonly HashSet<string> _moved = new(StringComparer.Ordinal);

    /// <summary>A cursor moved since the state was last written.</summary>
    public bool Unwritten { get; private set; }

    /// <summary>A move the other members have not heard of: the flush stays due after a write took the cursors.</summary>
    public bool Unannounced => _moved.Count > 0;

    /// <summary>The member's cursor moved; <paramref name="announce"/> false for a receipt nobody is told of.</summary>
    public void Moved(string memberId, bool announce)
    {
        Unwritten = true;
        if (announce)
        {
            _moved.Add(memberId);
        }
    }

    public void Written() => Unwritten = false;

    /// <summary>The announcements of the moves since the last take, each with the member's cursor as it is now.</summary>
    public IReadOnlyList<MessageDelivered> Take(string conversationId, string organizationId, Func<string, long> cursorOf)
    {
        IReadOnlyList<MessageDelivered> receipts = [.. _moved.Select(m => new MessageDelivered(conversationId, organizationId, m, cursorOf(m)))];
        _moved.Clear();
        return receipts;
    }

    /// <summary>What one member hears of: the other members' receipts, or null when there are none.</summary>
    public static IReadOnlyList<MessageDelivered>? ForMember(string userId, IReadOnlyList<MessageDelivered>? receipts) =>
        receipts?.Where(r => !string.Equals(r.RecipientId, userId, StringComparison.Ordinal)).ToList() is { Count: > 0 } others ? others : null;
}
