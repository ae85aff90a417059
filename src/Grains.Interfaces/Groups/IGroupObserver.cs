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

    /// <summary>A custom message of the group, for the host's connected members (see <see cref="CustomMessage"/>).</summary>
    [OneWay]
    ValueTask OnCustomMessageAsync(CustomMessageSent sent);
}

/// <summary>
/// A message of a broadcast group, for the host to push to its connected members. <see cref="NotTo"/> are members
/// whose user grains got it already (those a membership change names), so their devices do not get it twice.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.GroupMessage")]
public sealed record GroupMessage([Id(0)] MessageSent Sent, [Id(1)] IReadOnlyList<string> NotTo);
