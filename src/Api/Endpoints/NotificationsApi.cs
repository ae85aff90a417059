using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// My mutes and notification levels per conversation, and my notification settings: mine alone, kept in my roster
/// entries (<c>mutedUntil</c>, <c>notificationLevel</c>), never the conversation's.
/// </summary>
public static class NotificationsApi
{
    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/v1").WithTags("Notifications")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPut("/conversations/{conversationId}/mute", MuteAsync)
            .WithName("MuteConversation")
            .WithSummary("Mute one of my conversations for minutes (1-525600) from now: no push, and (unless countMutedInUnreadTotal) left out of my organization's unread totals; it ends by itself (conversation:change)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/conversations/{conversationId}/mute", UnmuteAsync)
            .WithName("UnmuteConversation")
            .WithSummary("End the mute of one of my conversations")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/organizations/{organizationId}/muted", ListMutedAsync)
            .WithName("ListMuted")
            .WithSummary("My muted conversations in the organization with their end (mutedUntil), the soonest first")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapDelete("/organizations/{organizationId}/muted", UnmuteAllAsync)
            .WithName("UnmuteAll")
            .WithSummary("End every mute of mine in the organization; returns how many ended")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapPut("/conversations/{conversationId}/notifications", SetLevelAsync)
            .WithName("SetNotificationLevel")
            .WithSummary("Which messages of one of my conversations may raise a push: all (default), mentions (those that mention me) or none")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/me/settings", GetSettingsAsync)
            .WithName("GetNotificationSettings")
            .WithSummary("My notification settings: countMutedInUnreadTotal (default false)");
        api.MapPatch("/me/settings", UpdateSettingsAsync)
            .WithName("UpdateNotificationSettings")
            .WithSummary("Change my notification settings; what is left out stays. countMutedInUnreadTotal counts my muted conversations in my unread totals");
        return routes;
    }

    private static async Task<Ok<ConversationView>> MuteAsync(string conversationId, MuteRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await User(grains, user).MuteConversationAsync(conversationId, request.Minutes));

    private static async Task<Ok<ConversationView>> UnmuteAsync(string conversationId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await User(grains, user).UnmuteConversationAsync(conversationId));

    private static async Task<Ok<IReadOnlyList<ConversationView>>> ListMutedAsync(string organizationId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await User(grains, user).GetMutedAsync(Validate.Id(organizationId, "organizationId")));

    private static async Task<Ok<UnmutedAll>> UnmuteAllAsync(string organizationId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(new UnmutedAll(await User(grains, user).UnmuteAllAsync(Validate.Id(organizationId, "organizationId"))));

    private static async Task<Ok<ConversationView>> SetLevelAsync(string conversationId, NotificationLevelRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await User(grains, user).SetNotificationLevelAsync(conversationId, request.ToLevel()));

    private static async Task<Ok<NotificationSettings>> GetSettingsAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await User(grains, user).GetNotificationSettingsAsync());

    private static async Task<Ok<NotificationSettings>> UpdateSettingsAsync(NotificationSettingsChanges changes, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await User(grains, user).UpdateNotificationSettingsAsync(changes));

    private static IUserGrain User(IGrainFactory grains, ClaimsPrincipal user) => grains.GetGrain<IUserGrain>(user.GetUserId());
}

/// <summary>Mute for this many minutes from now (1-525600).</summary>
public sealed record MuteRequest(int Minutes);

/// <summary>Which messages may raise a push: <c>all</c>, <c>mentions</c> or <c>none</c>.</summary>
public sealed record NotificationLevelRequest(NotificationLevel? Level)
{
    /// <summary>The level; <c>invalid-argument</c> when left out.</summary>
    public NotificationLevel ToLevel() => Level ?? throw new InvalidArgumentException("'level' must be 'all', 'mentions' or 'none'.", "level");
}

/// <summary>How many mutes <c>DELETE .../muted</c> ended.</summary>
public sealed record UnmutedAll(int Unmuted);
