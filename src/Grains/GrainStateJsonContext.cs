using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains;

/// <summary>
/// The System.Text.Json source-generated context for every grain state record. Persisted state is this JSON, so a
/// property of these records is never renamed without a migration. The silo registers it for the grain storage.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ConversationState))]
[JsonSerializable(typeof(GroupState))]
[JsonSerializable(typeof(ForumDirectoryState))]
[JsonSerializable(typeof(OrganizationState))]
[JsonSerializable(typeof(UserState))]
[JsonSerializable(typeof(RosterEntry))]
[JsonSerializable(typeof(UserLookupState))]
[JsonSerializable(typeof(UserDirectoryState))]
[JsonSerializable(typeof(AttachmentState))]
public sealed partial class GrainStateJsonContext : JsonSerializerContext;
