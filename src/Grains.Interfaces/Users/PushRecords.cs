using System.Text.Json.Serialization;

namespace Orleans.Chat.Grains.Users;

/// <summary>Which push service a device's token belongs to.</summary>
[GenerateSerializer, Alias("chat.PushProvider")]
public enum PushProvider
{
    /// <summary>Apple Push Notification service: the device token.</summary>
    [JsonStringEnumMemberName("apns")]
    Apns,

    /// <summary>Firebase Cloud Messaging: the registration token.</summary>
    [JsonStringEnumMemberName("fcm")]
    Fcm,

    /// <summary>Web Push (RFC 8030): a browser's push subscription (endpoint and keys).</summary>
    [JsonStringEnumMemberName("webpush")]
    Webpush,
}

/// <summary>The keys of a Web Push subscription, as the browser's <c>PushSubscription.toJSON()</c> has them (base64url).</summary>
[GenerateSerializer, Immutable, Alias("chat.WebPushKeys")]
public sealed record WebPushKeys([Id(0)] string? P256dh, [Id(1)] string? Auth);

/// <summary>
/// The calling device's push token: <see cref="Token"/> for <c>apns</c> and <c>fcm</c>; for <c>webpush</c> the browser's
/// subscription JSON (<see cref="Endpoint"/>, an https URL, and <see cref="Keys"/>), whose endpoint is the token
/// (<see cref="Token"/> left out, or the same).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.PushTokenRegistration")]
public sealed record PushTokenRegistration(
    [Id(0)] PushProvider? Provider,
    [Id(1)] string? Token = null,
    [Id(2)] string? Endpoint = null,
    [Id(3)] WebPushKeys? Keys = null);

/// <summary>A device's push token as its owner lists it: the device is its session (<see cref="DeviceId"/>); no keys.</summary>
[GenerateSerializer, Immutable, Alias("chat.PushTokenInfo")]
public sealed record PushTokenInfo(
    [Id(0)] string DeviceId,
    [Id(1)] PushProvider Provider,
    [Id(2)] string Token,
    [Id(3)] DateTimeOffset RegisteredAt,
    [Id(4)] bool Current);

/// <summary>
/// One push to one device: the payload the webhook sender POSTs (and, without <see cref="Token"/> and <see cref="Keys"/>,
/// what the Web Push sender encrypts, with an empty token). <see cref="DeviceId"/> is the session id; <see cref="Keys"/> only for
/// <c>webpush</c> (a relay needs them). <see cref="Title"/> is the conversation's name: a group's, or in a 1-1
/// conversation the sender's display name, which is also <see cref="SenderName"/> (null in a group, whose members'
/// names the user grain does not hold). <see cref="Body"/> is the message's body cut to
/// <see cref="PushNotification.MaxBodyLength"/> characters (null when it has none), <see cref="Badge"/> the user's unread
/// total in <see cref="OrganizationId"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.PushNotification")]
public sealed record PushNotification(
    [Id(0)] string UserId,
    [Id(1)] string DeviceId,
    [Id(2)] PushProvider Provider,
    [Id(3)] string Token,
    [Id(4)] WebPushKeys? Keys,
    [Id(5)] string ConversationId,
    [Id(6)] string OrganizationId,
    [Id(7)] string MessageId,
    [Id(8)] long SortNumber,
    [Id(9)] string SenderId,
    [Id(10)] string? SenderName,
    [Id(11)] string? Title,
    [Id(12)] string? Body,
    [Id(13)] int Badge,
    [Id(14)] DateTimeOffset SentAt)
{
    /// <summary>A preview, not the message: longer bodies are cut here.</summary>
    public const int MaxBodyLength = 200;
}
