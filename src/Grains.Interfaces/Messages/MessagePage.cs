namespace Orleans.Chat.Grains.Messages;

/// <summary>Which end of the history a page starts from.</summary>
public enum HistoryOrder
{
    /// <summary>Highest sortNumber first (the default: what a chat screen shows first).</summary>
    NewestFirst,

    /// <summary>Lowest sortNumber first.</summary>
    OldestFirst,
}

/// <summary>
/// A request for one page of history. <see cref="Before"/> and <see cref="After"/> are exclusive bounds by sortNumber;
/// both may be given to read a window.
/// </summary>
public sealed record HistoryQuery(
    string RequesterId,
    long? Before = null,
    long? After = null,
    int? Limit = null,
    HistoryOrder Order = HistoryOrder.NewestFirst);

/// <summary>One page of history in the requested order; <see cref="HasMore"/> tells whether the range holds more messages.</summary>
public sealed record MessagePage(IReadOnlyList<Message> Messages, bool HasMore);
