using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>The rules of a custom message, the same in every kind of conversation.</summary>
internal static class CustomMessages
{
    /// <summary>The message the command asks for, checked (<c>invalid-argument</c> otherwise); membership is the caller's to check.</summary>
    public static CustomMessage Create(CustomMessageCommand command, string conversationId, string organizationId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        var senderId = Validate.Id(command.SenderId, "senderId");
        var type = Validate.Id(command.Type, "type");
        var body = command.Body is null ? null : Validate.Body(command.Body);
        Validate.OptionalText(command.OriginSessionId, "originSessionId", Validate.MaxIdLength);
        return new CustomMessage(conversationId, organizationId, senderId, type, body, Validate.MessageMetadata(command.Metadata), now);
    }
}
