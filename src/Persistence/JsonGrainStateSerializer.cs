using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Orleans.Storage;

namespace Orleans.Chat.Persistence;

/// <summary>
/// Grain state as readable JSON, for our grain storage providers: System.Text.Json with the source-generated resolvers
/// registered in DI as <see cref="IJsonTypeInfoResolver"/> (in registration order), and reflection as the last resort
/// for types no resolver knows. Orleans' own JSON serializer uses Newtonsoft.Json and reflection, and would change the
/// format of state already stored.
/// </summary>
public sealed class JsonGrainStateSerializer : IGrainStorageSerializer
{
    private readonly JsonSerializerOptions _options;

    public JsonGrainStateSerializer(IEnumerable<IJsonTypeInfoResolver> resolvers)
    {
        ArgumentNullException.ThrowIfNull(resolvers);
        _options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine([.. resolvers, new DefaultJsonTypeInfoResolver()]),
        };
        _options.MakeReadOnly();
    }

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, GetTypeInfo<T>()));

    public T? Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize(input.ToMemory().Span, GetTypeInfo<T>())
            ?? throw new JsonException($"Stored state of type {typeof(T).FullName} deserialized to null.");

    private JsonTypeInfo<T?> GetTypeInfo<T>() => (JsonTypeInfo<T?>)_options.GetTypeInfo(typeof(T));
}
