namespace Orleans.Chat.Grains.Messages;

/// <summary>
/// <c>typing:change</c>: a member of a conversation started or stopped typing (or stopped by itself: a start not renewed
/// in time ends with <see cref="Typing"/> false). Never stored; only the other members' devices connected now get it.
/// <see cref="OrganizationId"/> is the conversation's; across organizations, the typist's (as for custom messages).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.TypingChanged")]
public sealed record TypingChanged(
    [Id(0)] string ConversationId,
    [Id(1)] string OrganizationId,
    [Id(2)] string UserId,
    [Id(3)] bool Typing,
    [Id(4)] DateTimeOffset At);
