using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;
using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// My mutes and notification levels, per conversation of my roster (my settings, not the conversation's), and my
/// notification settings. A mute ends by itself at <see cref="ConversationView.MutedUntil"/>: my devices get
/// <c>conversation:change</c> then, and any read after that time shows it ended.
/// </summary>
public partial interface IUserGrain
{
    /// <summary>
    /// Mutes a conversation of my roster for 1 to <see cref="Errors.Validate.MaxMuteMinutes"/> minutes from now
    /// (<c>invalid-argument</c> otherwise; <c>not-found</c> if it is not in my roster); muting again sets a new end.
    /// Returns my entry; my devices get <c>conversation:change</c>.
    /// </summary>
    ValueTask<ConversationView> MuteConversationAsync(string conversationId, int minutes);

    /// <summary>Ends a conversation's mute (nothing to do if it is not muted); <c>not-found</c> if it is not in my roster.</summary>
    ValueTask<ConversationView> UnmuteConversationAsync(string conversationId);

    /// <summary>My muted conversations in the organization, the soonest end first; <c>permission-denied</c> if I am not a member.</summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<ConversationView>> GetMutedAsync(string organizationId);

    /// <summary>Ends every mute of mine in the organization; returns how many ended.</summary>
    ValueTask<int> UnmuteAllAsync(string organizationId);

    /// <summary>Sets which messages of a conversation of my roster may raise a push; <c>not-found</c> if it is not in my roster.</summary>
    ValueTask<ConversationView> SetNotificationLevelAsync(string conversationId, NotificationLevel level);

    [ReadOnly]
    ValueTask<NotificationSettings> GetNotificationSettingsAsync();

    /// <summary>Changes the settings given (null leaves one as it is); returns them.</summary>
    ValueTask<NotificationSettings> UpdateNotificationSettingsAsync(NotificationSettingsChanges changes);

    /// <summary>
    /// Whether this message of a conversation of my roster would raise a push for me: not my own, not from a user I
    /// silence, not silent, the conversation not muted, and allowed by its notification level (mentions: only when it
    /// mentions me). False for a conversation not in my roster. For the push senders.
    /// </summary>
    [ReadOnly]
    ValueTask<bool> ShouldPushAsync(Message message);
}

/// <summary>
/// My notification settings: <see cref="CountMutedInUnreadTotal"/> (default false) counts my muted conversations in
/// my organizations' unread totals; their own entries show their counts either way.
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.NotificationSettings")]
public sealed record NotificationSettings([Id(0)] bool CountMutedInUnreadTotal);

/// <summary>Changes to <see cref="NotificationSettings"/>: a null member stays as it is.</summary>
[GenerateSerializer, Immutable, Alias("chat.NotificationSettingsChanges")]
public sealed record NotificationSettingsChanges([Id(0)] bool? CountMutedInUnreadTotal = null);
