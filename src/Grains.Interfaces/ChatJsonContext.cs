using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains;

/// <summary>
/// The System.Text.Json source-generated context for what goes over REST and the hub (every grain and observer method's
/// parameter and result types, which a test checks) and for the messages stored in the log. Between grains, Orleans'
/// own serializer carries them (<c>[GenerateSerializer]</c>); grain state records have their own context beside the
/// grains, <c>GrainStateJsonContext</c>.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(long?))]
[JsonSerializable(typeof(DateTimeOffset))]
// Messages
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(HistoryOrder))]
[JsonSerializable(typeof(HistoryQuery))]
[JsonSerializable(typeof(MessagePage))]
[JsonSerializable(typeof(MessageSearchQuery))]
[JsonSerializable(typeof(MessageSearchPage))]
[JsonSerializable(typeof(MessageSearchHit))]
[JsonSerializable(typeof(TextRange))]
[JsonSerializable(typeof(MessageSent))]
[JsonSerializable(typeof(MessageRead))]
[JsonSerializable(typeof(MessageDelivered))]
[JsonSerializable(typeof(MessageMetadata))]
[JsonSerializable(typeof(CustomMessage))]
[JsonSerializable(typeof(CustomMessageCommand))]
[JsonSerializable(typeof(CustomMessageSent))]
[JsonSerializable(typeof(TypingChanged))]
[JsonSerializable(typeof(ResendCommand))]
[JsonSerializable(typeof(ForwardCommand))]
[JsonSerializable(typeof(ForwardedFrom))]
[JsonSerializable(typeof(MessageAttachment))]
[JsonSerializable(typeof(MessageChange))]
[JsonSerializable(typeof(MessageRemoval))]
[JsonSerializable(typeof(MessageThread))]
[JsonSerializable(typeof(MessageLocation))]
[JsonSerializable(typeof(ThreadQuery))]
[JsonSerializable(typeof(ThreadPage))]
[JsonSerializable(typeof(ChangesQuery))]
[JsonSerializable(typeof(ChangePage))]
[JsonSerializable(typeof(EditMessageCommand))]
[JsonSerializable(typeof(IReadOnlyList<Message>))]
[JsonSerializable(typeof(IReadOnlyList<long>))]
// Conversations
[JsonSerializable(typeof(ConversationView))]
[JsonSerializable(typeof(ConversationUpdate))]
[JsonSerializable(typeof(IReadOnlyList<ConversationView>))]
[JsonSerializable(typeof(SendMessageCommand))]
[JsonSerializable(typeof(SendMessageResult))]
[JsonSerializable(typeof(MessageReceipts))]
// Groups
[JsonSerializable(typeof(CreateGroupCommand))]
[JsonSerializable(typeof(GroupInfo))]
[JsonSerializable(typeof(GroupChanges))]
[JsonSerializable(typeof(GroupPermissions))]
[JsonSerializable(typeof(GroupRole))]
[JsonSerializable(typeof(ForumListing))]
[JsonSerializable(typeof(ForumQuery))]
[JsonSerializable(typeof(ForumPage))]
[JsonSerializable(typeof(GroupMetadata))]
[JsonSerializable(typeof(IReadOnlyList<GroupMetadata>))]
[JsonSerializable(typeof(GroupMessage))]
[JsonSerializable(typeof(GroupMessageChange))]
[JsonSerializable(typeof(DeliveredMark))]
[JsonSerializable(typeof(IReadOnlyList<DeliveredMark>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
// Users
[JsonSerializable(typeof(UserProfile))]
[JsonSerializable(typeof(CreateUserCommand))]
[JsonSerializable(typeof(SignInCommand))]
[JsonSerializable(typeof(UserSession))]
[JsonSerializable(typeof(RefreshSessionCommand))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(IReadOnlyList<SessionInfo>))]
[JsonSerializable(typeof(UnreadSummary))]
[JsonSerializable(typeof(NotificationLevel))]
[JsonSerializable(typeof(NotificationSettings))]
[JsonSerializable(typeof(NotificationSettingsChanges))]
// Push (IUserGrain.Push.cs); PushNotification is the webhook's payload.
[JsonSerializable(typeof(PushProvider))]
[JsonSerializable(typeof(WebPushKeys))]
[JsonSerializable(typeof(PushTokenRegistration))]
[JsonSerializable(typeof(PushTokenInfo))]
[JsonSerializable(typeof(IReadOnlyList<PushTokenInfo>))]
[JsonSerializable(typeof(PushNotification))]
[JsonSerializable(typeof(RosterQuery))]
[JsonSerializable(typeof(RosterPage))]
[JsonSerializable(typeof(ConversationChanged))]
[JsonSerializable(typeof(FeedChange))]
[JsonSerializable(typeof(Connected))]
[JsonSerializable(typeof(FeedEntry))]
[JsonSerializable(typeof(FeedPage))]
[JsonSerializable(typeof(SessionRevoked))]
[JsonSerializable(typeof(ProfileChanges))]
[JsonSerializable(typeof(ProfileUpdated))]
[JsonSerializable(typeof(UserMetadata))]
[JsonSerializable(typeof(IReadOnlyList<UserMetadata>))]
[JsonSerializable(typeof(UserListing))]
[JsonSerializable(typeof(UserQuery))]
[JsonSerializable(typeof(UserDirectoryPage))]
[JsonSerializable(typeof(UserLookupRequest))]
[JsonSerializable(typeof(UserLookupResult))]
[JsonSerializable(typeof(UserPage))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string?>))]
[JsonSerializable(typeof(PresenceStatus))]
[JsonSerializable(typeof(UserPresence))]
[JsonSerializable(typeof(IReadOnlyList<UserPresence>))]
[JsonSerializable(typeof(DevicePresence))]
[JsonSerializable(typeof(SubscriptionChanged))]
[JsonSerializable(typeof(PrivacyAction))]
[JsonSerializable(typeof(PrivacyItem))]
[JsonSerializable(typeof(PrivacyList))]
[JsonSerializable(typeof(IReadOnlyList<PrivacyList>))]
// Contacts
[JsonSerializable(typeof(Contact))]
[JsonSerializable(typeof(IReadOnlyList<Contact>))]
[JsonSerializable(typeof(ContactState?))]
[JsonSerializable(typeof(ContactChanged))]
[JsonSerializable(typeof(ContactCommand))]
[JsonSerializable(typeof(PairedContactCommand))]
// Organizations
[JsonSerializable(typeof(CreateOrganizationCommand))]
[JsonSerializable(typeof(OrganizationInfo))]
[JsonSerializable(typeof(OrganizationSettings))]
// Attachments
[JsonSerializable(typeof(CreateAttachmentCommand))]
[JsonSerializable(typeof(AttachmentInfo))]
[JsonSerializable(typeof(IReadOnlyList<AttachmentHolder>))]
[JsonSerializable(typeof(AttachmentsQuery))]
[JsonSerializable(typeof(AttachmentPage))]
public sealed partial class ChatJsonContext : JsonSerializerContext;
