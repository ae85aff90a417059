using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>The grain state format of our providers: System.Text.Json over the resolvers registered in DI, in order, then reflection.</summary>
public sealed class JsonGrainStateSerializerTests
{
    [Fact]
    public void Serialize_WebDefaults_WritesCamelCaseJsonThatReadsBack()
    {
        var serializer = new JsonGrainStateSerializer([TestJsonContext.Default]);

        var data = serializer.Serialize(new TestState("Ada", 1, ["a"]));

        Assert.Equal("""{"name":"Ada","count":1,"tags":["a"]}""", data.ToString());
        Assert.Equal("Ada", serializer.Deserialize<TestState>(data)?.Name);
        Assert.Equal(["a"], serializer.Deserialize<TestState>(data)?.Tags);
    }

    [Fact]
    public void Serialize_FirstRegisteredResolverKnowsTheType_ItsContractIsUsed()
    {
        var renaming = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                static info =>
                {
                    if (info.Type == typeof(TestState))
                    {
                        foreach (var property in info.Properties)
                        {
                            property.Name = "x_" + property.Name;
                        }
                    }
                },
            },
        };
        var serializer = new JsonGrainStateSerializer([renaming, TestJsonContext.Default]);

        var data = serializer.Serialize(new TestState("Ada", 1, ["a"]));

        Assert.Equal("""{"x_name":"Ada","x_count":1,"x_tags":["a"]}""", data.ToString());
        Assert.Equal("Ada", serializer.Deserialize<TestState>(data)?.Name);
    }

    [Fact]
    public void RoundTrip_TypeNoResolverKnows_FallsBackToReflection()
    {
        var serializer = new JsonGrainStateSerializer([]);

        var data = serializer.Serialize(new Dictionary<string, int> { ["a"] = 1 });

        Assert.Equal("""{"a":1}""", data.ToString());
        Assert.Equal(1, serializer.Deserialize<Dictionary<string, int>>(data)?["a"]);
    }

    [Fact]
    public void Deserialize_StoredNull_Throws()
    {
        var serializer = new JsonGrainStateSerializer([TestJsonContext.Default]);

        Assert.Throws<JsonException>(() => serializer.Deserialize<TestState>(BinaryData.FromString("null")));
    }
}
