using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// One row of a user's roster in the roster store: the conversation as its grain last reported it, and the sortNumber
/// up to which I hid it from my list (null when I did not).
/// </summary>
public sealed record RosterEntry(ConversationView View, long? HiddenUpTo);
