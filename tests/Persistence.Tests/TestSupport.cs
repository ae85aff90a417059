using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;

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

internal static class TestServices
{
    /// <summary>
    /// Registers the test project's source-generated JSON context as an <see cref="IJsonTypeInfoResolver"/>, as the silo
    /// registers its own: the providers' <see cref="JsonGrainStateSerializer"/> takes every resolver registered in DI.
    /// </summary>
    public static IServiceCollection AddTestJsonResolver(this IServiceCollection services) =>
        services.AddSingleton<IJsonTypeInfoResolver>(TestJsonContext.Default);
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
