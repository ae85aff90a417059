using System.Text.Json.Serialization;

namespace Orleans.Chat.Grains.Users;

/// <summary>What others see of a user being there, as the client SDKs name it.</summary>
[GenerateSerializer, Alias("chat.PresenceStatus")]
public enum PresenceStatus
{
    /// <summary>A device of the user is connected and in the foreground.</summary>
    [JsonStringEnumMemberName("AVAILABLE")]
    Available,

    /// <summary>Connected, and the user asked not to be disturbed.</summary>
    [JsonStringEnumMemberName("DND")]
    Dnd,

    /// <summary>No device connected, every connected device in the background, or the user chose to appear away.</summary>
    [JsonStringEnumMemberName("UNAVAILABLE")]
    Unavailable,

    /// <summary>Not for this viewer to know: the user blocked them.</summary>
    [JsonStringEnumMemberName("UNKNOWN")]
    Unknown,
}

/// <summary>
/// A user's presence as one viewer sees it. <see cref="LastActivitySeconds"/> is how long ago a device of the user was
/// last in use: 0 while one is, null when unknown (never connected, or hidden from the viewer).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.UserPresence")]
public sealed record UserPresence(
    [Id(0)] string UserId,
    [Id(1)] PresenceStatus Status,
    [Id(2)] long? LastActivitySeconds,
    [Id(3)] DateTimeOffset At);

/// <summary>
/// One Api host's connections of a user: how many, and how many of them in the foreground. <see cref="Version"/> grows
/// with every change at the host, so that a report overtaken by a newer one (a renewal racing a disconnect) is ignored.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.DevicePresence")]
public sealed record DevicePresence([Id(0)] int Connections, [Id(1)] int Active, [Id(2)] long Version = 0);

/// <summary><see cref="SubscriberId"/> subscribed to (or unsubscribed from) <see cref="UserId"/>'s presence and profile.</summary>
[GenerateSerializer, Immutable, Alias("chat.SubscriptionChanged")]
public sealed record SubscriptionChanged(
    [Id(0)] string SubscriberId,
    [Id(1)] string UserId,
    [Id(2)] bool Subscribed,
    [Id(3)] DateTimeOffset At);

/// <summary>
/// What <see cref="IUserGrain.ConnectAsync"/> tells a host: the users whose messages this user does not receive, and the
/// place on the user's feed of the last change told before its observer was subscribed.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.Connected")]
public sealed record Connected([Id(0)] IReadOnlyList<string> Silenced, [Id(1)] long FeedLast);
