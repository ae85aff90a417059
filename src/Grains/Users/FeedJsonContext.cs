using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// The feed's stored JSON (<see cref="FeedEntry"/>): absent members are left out rather than written as nulls, since a
/// feed entry is written for every change of every member. Stored, so a property is never renamed without a migration.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(FeedEntry))]
internal sealed partial class FeedJsonContext : JsonSerializerContext;
