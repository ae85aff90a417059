namespace Orleans.Chat.Grains.Conversations;

/// <summary>Settings of 1-1 conversations, from the configuration section <c>Silo:Conversations</c>.</summary>
public sealed class ConversationOptions
{
    /// <summary>
    /// How long a conversation across organizations takes both organizations' consent
    /// (<c>allowCrossOrganization</c>) as given before it asks them again on its next new message: asking on every
    /// send would cost two grain calls a message. An organization that turns the setting off stops new messages in
    /// its conversations across organizations within this time.
    /// </summary>
    public TimeSpan CrossOrganizationRecheck { get; set; } = TimeSpan.FromMinutes(1);
}
