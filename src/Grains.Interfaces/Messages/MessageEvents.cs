namespace Orleans.Chat.Grains.Messages;

/// <summary>
/// A message was stored in a conversation of the observed user. <see cref="OriginSessionId"/> is the sender's
/// session (device) that sent it, so that device does not get an echo of its own send; null when unknown.
/// </summary>
public sealed record MessageSent(Message Message, string? OriginSessionId);

/// <summary>A member of a conversation has read every message up to and including <see cref="SortNumber"/>.</summary>
public sealed record MessageRead(string ConversationId, string OrganizationId, string ReaderId, long SortNumber);
