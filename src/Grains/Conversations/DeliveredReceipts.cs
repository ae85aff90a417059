namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// The delivered receipts a conversation (1-1 or group) took since its last flush. The cursors themselves are in the
/// members' state; this says whether a write has taken them yet, and which members' moves the others have not heard
/// of, from where. One flush a second stores and announces them all, instead of one write and one push per receipt.
/// </summary>
internal sealed class DeliveredReceipts
{
    /// <summary>Member → their delivered cursor before the first move not announced yet.</summary>
    private readonly Dictionary<string, long> _moved = new(StringComparer.Ordinal);

    /// <summary>A cursor moved since the state was last written.</summary>
    public bool Unwritten { get; private set; }

    /// <summary>A move the other members have not heard of: the flush stays due after a write took the cursors.</summary>
    public bool Unannounced => _moved.Count > 0;

    /// <summary>The member's cursor moved from <paramref name="before"/>; <paramref name="announce"/> false for a receipt nobody is told of.</summary>
    public void Moved(string memberId, long before, bool announce)
    {
        Unwritten = true;
        if (announce)
        {
            _moved.TryAdd(memberId, before);
        }
    }

    public void Written() => Unwritten = false;

    /// <summary>The moves not announced yet, each from where it started to the member's cursor now.</summary>
    public IReadOnlyList<DeliveredRange> Take(Func<string, long> cursorOf)
    {
        IReadOnlyList<DeliveredRange> moves = [.. _moved.Select(m => new DeliveredRange(m.Key, m.Value, cursorOf(m.Key)))];
        _moved.Clear();
        return moves;
    }
}

/// <summary>A member's devices received the messages after <see cref="After"/> up to <see cref="UpTo"/>.</summary>
internal readonly record struct DeliveredRange(string MemberId, long After, long UpTo);
