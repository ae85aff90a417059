using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Tests;

public sealed record TestState(string Name, int Count, IReadOnlyList<string> Tags)
{
    public TestState()
        : this(string.Empty, 0, [])
    {
    }
}

[JsonSerializable(typeof(TestState))]
internal sealed partial class TestJsonContext : JsonSerializerContext;

/// <summary>A grain state serializer over System.Text.Json with the test project's source-generated context.</summary>
internal sealed class TestGrainStateSerializer : IGrainStateSerializer
{
    public byte[] Serialize<T>(T state) => JsonSerializer.SerializeToUtf8Bytes(state, TypeInfo<T>());

    public T Deserialize<T>(ReadOnlySpan<byte> data) => JsonSerializer.Deserialize(data, TypeInfo<T>())!;

    private static JsonTypeInfo<T> TypeInfo<T>() =>
        (JsonTypeInfo<T>?)TestJsonContext.Default.GetTypeInfo(typeof(T)) ?? throw new NotSupportedException($"{typeof(T)} is not in the test JSON context.");
}

internal sealed class TestGrainState<T>(T state) : IGrainState<T>
{
    public T State { get; set; } = state;

    public string? ETag { get; set; }

    public bool RecordExists { get; set; }
}

internal static class TestData
{
    public static string NewKey() => Guid.NewGuid().ToString("N");

    /// <summary>A 64 KiB string mixing scripts, combining marks, emoji (surrogate pairs) and JSON-significant characters.</summary>
    public static string LargeUnicode()
    {
        const string Sample = "Grüße, 世界! Привет مرحبا 👋🏽🧑‍💻 \"quoted\" \\ back\\slash\ttab\nnewline é e\u0301 ";
        var builder = new System.Text.StringBuilder(64 * 1024);
        while (builder.Length < 64 * 1024)
        {
            builder.Append(Sample);
        }

        // Exactly 64 KiB of UTF-16 code units, never ending inside a surrogate pair.
        var length = 64 * 1024;
        if (char.IsHighSurrogate(builder[length - 1]))
        {
            length--;
        }

        return builder.ToString(0, length);
    }
}
