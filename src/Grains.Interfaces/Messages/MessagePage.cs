namespace Orleans.Chat.Grains.Messages;

/// <summary>Which end of the history a page starts from.</summary>
[GenerateSerializer, Alias("chat.HistoryOrder")]
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
[GenerateSerializer, Immutable, Alias("chat.HistoryQuery")]
public sealed record HistoryQuery(
    [Id(0)] string RequesterId,
    [Id(1)] long? Before = null,
    [Id(2)] long? After = null,
    [Id(3)] int? Limit = null,
    [Id(4)] HistoryOrder Order = HistoryOrder.NewestFirst);

/// <summary>One page of history in the requested order; <see cref="HasMore"/> tells whether the range holds more messages.</summary>
[GenerateSerializer, Immutable, Alias("chat.MessagePage")]
public sealed record MessagePage([Id(0)] IReadOnlyList<Message> Messages, [Id(1)] bool HasMore);
