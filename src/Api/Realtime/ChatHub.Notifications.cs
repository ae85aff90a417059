using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>The hub's side of mutes and notification settings (see <c>NotificationsApi</c> for the REST routes and the rules).</summary>
public sealed partial class ChatHub
{
    /// <summary>Mutes one of my conversations for 1-525600 minutes from now; returns my entry.</summary>
    public async Task<ConversationView> MuteConversation(string conversationId, int minutes) =>
        await Me.MuteConversationAsync(conversationId, minutes);

    /// <summary>Ends the mute of one of my conversations; returns my entry.</summary>
    public async Task<ConversationView> UnmuteConversation(string conversationId) =>
        await Me.UnmuteConversationAsync(conversationId);

    /// <summary>My muted conversations in the organization, the soonest end first.</summary>
    public async Task<IReadOnlyList<ConversationView>> ListMuted(string organizationId) =>
        await Me.GetMutedAsync(Validate.Id(organizationId, "organizationId"));

    /// <summary>Ends every mute of mine in the organization; returns how many ended.</summary>
    public async Task<int> UnmuteAll(string organizationId) =>
        await Me.UnmuteAllAsync(Validate.Id(organizationId, "organizationId"));

    /// <summary>Which messages of one of my conversations may raise a push: all, mentions or none; returns my entry.</summary>
    public async Task<ConversationView> SetNotificationLevel(string conversationId, NotificationLevel level) =>
        await Me.SetNotificationLevelAsync(conversationId, level);

    /// <summary>My notification settings.</summary>
    public async Task<NotificationSettings> GetNotificationSettings() => await Me.GetNotificationSettingsAsync();

    /// <summary>Changes my notification settings (what is left out stays); returns them.</summary>
    public async Task<NotificationSettings> UpdateNotificationSettings(NotificationSettingsChanges changes) =>
        await Me.UpdateNotificationSettingsAsync(changes ?? new NotificationSettingsChanges());

    private IUserGrain Me => grains.GetGrain<IUserGrain>(CallerId);
}
