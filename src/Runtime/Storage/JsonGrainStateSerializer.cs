using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Orleans.Chat.Runtime.Storage;

/// <summary>
/// The default <see cref="IGrainStateSerializer"/>: System.Text.Json using the source-generated resolvers
/// registered with <c>ISiloBuilder.AddJsonTypeInfoResolver</c>, in registration order, with reflection as the
/// last resort for types no resolver knows.
/// </summary>
public sealed class JsonGrainStateSerializer : IGrainStateSerializer
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

    public JsonSerializerOptions Options => _options;

    public byte[] Serialize<T>(T state) => JsonSerializer.SerializeToUtf8Bytes(state, GetTypeInfo<T>());

    public T Deserialize<T>(ReadOnlySpan<byte> data) =>
        JsonSerializer.Deserialize(data, GetTypeInfo<T>())
            ?? throw new JsonException($"Stored state of type {typeof(T).FullName} deserialized to null.");

    private JsonTypeInfo<T> GetTypeInfo<T>() => (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));
}
