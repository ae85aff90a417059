using Orleans.Chat.Grains.Messages;
using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// An Api host's subscription to a broadcast group (<see cref="Conversations.ConversationView.Broadcast"/>): one per
/// host and group, however many members the host serves, so a message costs the group one call per host rather than
/// one per member. One-way, like <see cref="Users.IUserObserver"/>: a slow or dead host never holds the group's turn.
/// </summary>
[Alias("chat.IGroupObserver")]
public interface IGroupObserver : IGrainObserver
{
    [OneWay]
    ValueTask OnGroupMessageAsync(GroupMessage message);

    /// <summary>A message of the group changed (edited, recalled, pinned, reacted to): for the host's connected members.</summary>
    [OneWay]
    ValueTask OnMessageChangeAsync(GroupMessageChange change);

    /// <summary>A custom message of the group, for the host's connected members (see <see cref="CustomMessage"/>).</summary>
    [OneWay]
    ValueTask OnCustomMessageAsync(CustomMessageSent sent);

    /// <summary>A member of the group started or stopped typing: for the host's connected members but the typist.</summary>
    [OneWay]
    ValueTask OnTypingChangedAsync(TypingChanged changed);
}

/// <summary>
/// A message of a broadcast group, for the host to push to its connected members. <see cref="NotTo"/> are members
/// whose user grains got it already (those a membership change names), so their devices do not get it twice.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.GroupMessage")]
public sealed record GroupMessage([Id(0)] MessageSent Sent, [Id(1)] IReadOnlyList<string> NotTo);

/// <summary>
/// A change of a broadcast group's message, for the host to push to its connected members but <see cref="NotTo"/>: those
/// whose window of the group does not hold the message (they joined after it, or cleared it).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.GroupMessageChange")]
public sealed record GroupMessageChange([Id(0)] MessageChange Change, [Id(1)] IReadOnlyList<string> NotTo);
