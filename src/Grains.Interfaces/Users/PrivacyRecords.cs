using System.Text.Json.Serialization;

namespace Orleans.Chat.Grains.Users;

[GenerateSerializer, Alias("chat.PrivacyAction")]
public enum PrivacyAction
{
    /// <summary>The user is not blocked (an entry that says so, e.g. to keep a list of the people one lets through).</summary>
    [JsonStringEnumMemberName("allow")]
    Allow,

    /// <summary>The user is blocked: their 1-1 messages are refused, their group messages do not reach me, my presence is hidden from them.</summary>
    [JsonStringEnumMemberName("deny")]
    Deny,
}

/// <summary>
/// One entry of a privacy list. A <see cref="Mutual"/> deny blocks both ways: I do not send to the user nor see their
/// messages in groups either, and I do not see their presence.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.PrivacyItem")]
public sealed record PrivacyItem(
    [Id(0)] string UserId,
    [Id(1)] PrivacyAction Action,
    [Id(2)] bool Mutual = false);

/// <summary>A named privacy list of the user's; at most one of them is active.</summary>
[GenerateSerializer, Immutable, Alias("chat.PrivacyList")]
public sealed record PrivacyList(
    [Id(0)] string Name,
    [Id(1)] IReadOnlyList<PrivacyItem> Items,
    [Id(2)] bool Active = false);
