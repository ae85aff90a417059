namespace Orleans.Chat.Grains.Messages;

/// <summary>
/// A message that is never stored: it reaches the members' devices connected when it is sent and nobody later (the
/// SDKs' "system" and "custom" messages: app signals, game moves, call invitations). <see cref="Type"/> is the app's
/// name for it. <see cref="OrganizationId"/> is the conversation's; across organizations, the sender's.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.CustomMessage")]
public sealed record CustomMessage(
    [Id(0)] string ConversationId,
    [Id(1)] string OrganizationId,
    [Id(2)] string SenderId,
    [Id(3)] string Type,
    [Id(4)] string? Body,
    [Id(5)] IReadOnlyList<MessageMetadata>? Metadata,
    [Id(6)] DateTimeOffset SentAt);

/// <summary>Sends a <see cref="CustomMessage"/>; the device of <see cref="OriginSessionId"/> does not get it back.</summary>
[GenerateSerializer, Immutable, Alias("chat.CustomMessageCommand")]
public sealed record CustomMessageCommand(
    [Id(0)] string SenderId,
    [Id(1)] string Type,
    [Id(2)] string? Body = null,
    [Id(3)] IReadOnlyList<MessageMetadata>? Metadata = null,
    [Id(4)] string? OriginSessionId = null);

/// <summary>A custom message on its way to devices, with the session that sent it (left out).</summary>
[GenerateSerializer, Immutable, Alias("chat.CustomMessageSent")]
public sealed record CustomMessageSent([Id(0)] CustomMessage Message, [Id(1)] string? OriginSessionId);
