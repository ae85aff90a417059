namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// Who sent a group's last messages, by sortNumber, in a ring of fixed size: a delivered receipt goes to the senders
/// of the messages it covers, not to every member (in a group of 100 that would be 99 receipts to each of 99 members).
/// </summary>
internal sealed class RecentSenders(int capacity)
{
    private readonly string[] _senders = new string[capacity];
    private long _first;
    private long _last;

    public void Add(long sortNumber, string senderId)
    {
        if (_first == 0)
        {
            _first = sortNumber;
        }

        _senders[sortNumber % capacity] = senderId;
        _last = sortNumber;
    }

    /// <summary>
    /// The senders of the messages after <paramref name="after"/> up to <paramref name="upTo"/>; null when some of those
    /// are not held (older than the ring, or from before this activation).
    /// </summary>
    public IReadOnlySet<string>? Between(long after, long upTo)
    {
        if (_first == 0 || upTo > _last || after + 1 < Math.Max(_first, _last - capacity + 1))
        {
            return null;
        }

        var senders = new HashSet<string>(StringComparer.Ordinal);
        for (var sortNumber = after + 1; sortNumber <= upTo; sortNumber++)
        {
            senders.Add(_senders[sortNumber % capacity]);
        }

        return senders;
    }
}
