using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// The realtime hub at <c>/hubs/chat</c>. Thin: each method resolves a grain and calls it. Events reach clients
/// through <see cref="UserConnections"/>, the one grain observer per connected user in this process.
/// </summary>
[Authorize]
public sealed partial class ChatHub(
    IGrainFactory grains, UserConnections connections, OfflineReplay replay, TypingRateLimiter typingLimiter, ConnectionExpiry expiry, AccessTokenIssuer tokens)
    : Hub<IChatClient>
{
    public const string Path = "/hubs/chat";

    /// <summary>
    /// With <c>?cursor=</c> (the last cursor the device got), the changes it missed come first, then
    /// <c>messages:offline:stop</c>, then live events; live events of the feed wait meanwhile.
    /// </summary>
    public override async Task OnConnectedAsync()
    {
        expiry.Start(Context);
        var sessionId = Context.User!.GetSessionId();
        var cursor = OfflineReplay.CursorOf(Context.GetHttpContext());
        var buffer = cursor is null ? null : new ReplayBuffer();
        await connections.AddAsync(CallerId, sessionId, Context, buffer, Context.ConnectionAborted);
        if (buffer is not null)
        {
            replay.Start(CallerId, sessionId, Context, cursor!.Value, buffer);
        }
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        expiry.Stop(Context);
        return connections.RemoveAsync(CallerId, Context.ConnectionId);
    }

    /// <summary>Sends a 1-1 message; a retry with the same clientMessageId returns the stored message.</summary>
    public async Task<Message> SendMessage(SendMessageRequest request) =>
        (await Conversation(request).SendAsync(
            request.ToCommand(CallerId, Context.User!.GetSessionId()))).Message;

    /// <summary>Sends to any of my conversations by id, 1-1 or group; a retry with the same clientMessageId returns the stored message.</summary>
    public async Task<Message> SendToConversation(string conversationId, SendToConversationRequest request) =>
        (await ChatConversations.Get(grains, conversationId).SendAsync(
            (request ?? new SendToConversationRequest(null!, null!)).ToCommand(CallerId, Context.User!.GetSessionId()))).Message;

    /// <summary>Sends one of my messages again as a new one, optionally with another priority; a retry returns the stored one.</summary>
    public async Task<Message> ResendMessage(string conversationId, long sortNumber, ResendRequest request) =>
        (await ChatConversations.Get(grains, conversationId).ResendAsync(
            new ResendCommand(CallerId, sortNumber, request?.ClientMessageId!, Context.User!.GetSessionId(), request?.Priority))).Message;

    /// <summary>Forwards a message I can see into another of my conversations of the same organization.</summary>
    public async Task<Message> ForwardMessage(string conversationId, long sortNumber, ForwardRequest request) =>
        (await MessageForwarding.ForwardAsync(grains, conversationId,
            new ForwardCommand(CallerId, sortNumber, request?.ToConversationId!, request?.ClientMessageId!, Context.User!.GetSessionId()))).Message;

    /// <summary>Sends a message that is not stored to the members' devices connected now (<c>message:custom</c>); returns it.</summary>
    public async Task<CustomMessage> SendCustomMessage(string conversationId, CustomMessageRequest request) =>
        await ChatConversations.Get(grains, conversationId).SendCustomAsync(
            (request ?? new CustomMessageRequest(null!)).ToCommand(CallerId, Context.User!.GetSessionId()));

    /// <summary>Changes my profile (see the REST route <c>PATCH /v1/me</c>); my other devices get <c>user:updated</c>.</summary>
    public async Task<UserProfile> UpdateProfile(UpdateProfileRequest request) =>
        await grains.GetGrain<IUserGrain>(CallerId).UpdateProfileAsync((request ?? new UpdateProfileRequest()).ToChanges(Context.User!.GetSessionId()));

    /// <summary>Marks messages up to <paramref name="sortNumber"/> as read; returns my view of the conversation.</summary>
    public async Task<ConversationView> MarkRead(string conversationId, long sortNumber) =>
        await ChatConversations.Get(grains, conversationId).MarkReadAsync(CallerId, sortNumber);

    /// <summary>The changes of my feed after my cursor <paramref name="since"/> (see the REST route <c>GET /v1/sync</c>).</summary>
    public Task<SyncPage> Sync(long? since, int? limit) => SyncApi.ReadAsync(grains, CallerId, Context.User!.GetSessionId(), since, limit);

    /// <summary>A page of my conversations in the organization (see the REST route).</summary>
    public async Task<RosterPage> ListConversations(string organizationId, RosterQuery? query) =>
        await grains.GetGrain<IUserGrain>(CallerId).ListConversationsAsync(Validate.Id(organizationId, "organizationId"), query ?? new RosterQuery());

    /// <summary>Hides a conversation from my list until its next message.</summary>
    public async Task HideConversation(string conversationId) =>
        await grains.GetGrain<IUserGrain>(CallerId).HideConversationAsync(conversationId);

    /// <summary>Clears my history up to <paramref name="sortNumber"/>, for me only.</summary>
    public async Task<ConversationView> ClearHistory(string conversationId, long sortNumber) =>
        await ChatConversations.Get(grains, conversationId).ClearHistoryAsync(CallerId, sortNumber);

    /// <summary>Makes my messages from <paramref name="sortNumber"/> on unread again (the senders keep their receipts).</summary>
    public async Task<ConversationView> MarkUnread(string conversationId, long sortNumber) =>
        await ChatConversations.Get(grains, conversationId).MarkUnreadAsync(CallerId, sortNumber);

    /// <summary>Marks messages up to <paramref name="sortNumber"/> as delivered to this user.</summary>
    public async Task<ConversationView> MarkDelivered(string conversationId, long sortNumber) =>
        await ChatConversations.Get(grains, conversationId).MarkDeliveredAsync(CallerId, sortNumber);

    /// <summary>Marks everything read in my conversations of the organization; returns my unread totals.</summary>
    public Task<UnreadSummary> MarkAllRead(string organizationId) =>
        MessagesApi.MarkAllReadAsync(grains, CallerId, Validate.Id(organizationId, "organizationId"));

    /// <summary>Statuses per recipient of one message (who read it, who has it delivered, who neither).</summary>
    public async Task<MessageReceipts> GetReceipts(string conversationId, long sortNumber) =>
        await ChatConversations.Get(grains, conversationId).GetReceiptsAsync(CallerId, sortNumber);

    /// <summary>Creates a group or forum with me as owner (and its first message, if given).</summary>
    public Task<GroupCreated> CreateGroup(string organizationId, CreateGroupRequest request) =>
        GroupsApi.CreateAsync(grains, CallerId, Context.User!.GetSessionId(), organizationId, request);

    public async Task<GroupInfo> GetGroup(string conversationId) => await Group(conversationId).GetAsync(CallerId);

    public async Task<GroupInfo> UpdateGroup(string conversationId, UpdateGroupRequest request) =>
        await Group(conversationId).UpdateAsync(CallerId, new GroupChanges(request?.Name, request?.Description, request?.AvatarUrl, request?.ReplayHistory, request?.Metadata));

    public async Task<GroupInfo> AddGroupMembers(string conversationId, IReadOnlyList<string> userIds) =>
        await Group(conversationId).AddMembersAsync(CallerId, userIds ?? throw new InvalidArgumentException("'userIds' is missing.", "userIds"));

    /// <summary>Removes a member, or leaves when <paramref name="userId"/> is me.</summary>
    public async Task<GroupInfo> RemoveGroupMember(string conversationId, string userId) =>
        string.Equals(userId, CallerId, StringComparison.Ordinal)
            ? await Group(conversationId).LeaveAsync(CallerId)
            : await Group(conversationId).RemoveMemberAsync(CallerId, userId);

    public async Task<GroupInfo> JoinForum(string conversationId) => await Group(conversationId).JoinAsync(CallerId);

    /// <summary>The organization's forums by name prefix, a page at a time (see the REST route).</summary>
    public async Task<ForumPage> SearchForums(string organizationId, ForumQuery query) =>
        await grains.GetGrain<IForumDirectoryGrain>(Validate.Id(organizationId, "organizationId")).SearchAsync(CallerId, query ?? new ForumQuery());

    public async Task<GroupInfo> SetGroupRole(string conversationId, string userId, GroupRole role) =>
        await Group(conversationId).SetRoleAsync(CallerId, userId, role);

    public async Task<GroupInfo> SetGroupPermissions(string conversationId, string userId, GroupPermissions permissions) =>
        await Group(conversationId).SetPermissionsAsync(CallerId, userId, permissions);

    private string CallerId => Context.UserIdentifier ?? throw new UnauthenticatedException("Sign in first.");

    /// <summary>A group by its conversation id (<c>organizationId:groupId</c>).</summary>
    private IGroupGrain Group(string conversationId) => grains.GetGrain<IGroupGrain>(GroupKey.Parse(conversationId).ToGrainKey());

    private IConversationGrain Conversation(SendMessageRequest? request) =>
        request is null
            ? throw new InvalidArgumentException("The message is missing.", "request")
            : grains.GetGrain<IConversationGrain>(request.ToConversationKey(CallerId).ToGrainKey());
}
