namespace Orleans.Chat.Grains.Conversations;

/// <summary>Settings of typing indicators in every kind of conversation, from the configuration section <c>Silo:Typing</c>.</summary>
public sealed class TypingOptions
{
    /// <summary>
    /// How long a start of typing lasts without a new start: clients renew it while the user types, and one that went
    /// away (closed, offline) without a stop ends by itself after this time.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(6);
}
