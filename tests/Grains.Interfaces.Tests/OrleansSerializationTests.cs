using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Grains;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;
using Orleans.Serialization;

namespace Orleans.Chat.Grains.Interfaces.Tests;

/// <summary>Everything that crosses a grain boundary is serializable by Orleans, under a stable alias, without losing a field.</summary>
public sealed class OrleansSerializationTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    public static TheoryData<string> ContractTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in Contract())
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Fact]
    public void Contract_FindsTheRecordsAndErrors()
    {
        var names = Contract().Select(t => t.Name).ToList();

        Assert.Contains(nameof(Message), names);
        Assert.Contains(nameof(ConversationView), names);
        Assert.Contains(nameof(PermissionDeniedException), names);
        Assert.True(names.Count >= 20, "the reflection must find the contract's types");
    }

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public void ContractType_HasGenerateSerializerAndAlias(string typeName)
    {
        var type = Contract().Single(t => t.FullName == typeName);

        Assert.NotNull(type.GetCustomAttribute<GenerateSerializerAttribute>(inherit: false));
        Assert.StartsWith("chat.", type.GetCustomAttribute<AliasAttribute>(inherit: false)?.Alias, StringComparison.Ordinal);
        Assert.True(Serializer.CanSerialize(type), $"{type} has no Orleans serializer");
    }

    [Fact]
    public void ConversationView_RoundTrip_KeepsEveryField()
    {
        var message = new Message("m1", "o:a:b", "o", 7, "a", "b", "héllo", "c1", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var view = new ConversationView("o:a:b", "o", "b", message, 7, 2, 5, 4, 6, message.CreatedAt, 9);
        var update = new ConversationUpdate("a", view, new MessageSent(message, "s1"), new MessageRead("o:a:b", "o", "b", 5));

        Assert.Equal(update, RoundTrip(update));
    }

    [Fact]
    public void Errors_RoundTrip_KeepCodeMessageAndParameter()
    {
        var invalid = RoundTrip(new InvalidArgumentException("'limit' must be positive.", "limit"));
        var denied = RoundTrip(new PermissionDeniedException("You are not a member of this conversation."));

        Assert.Equal((ErrorCodes.InvalidArgument, "'limit' must be positive.", "limit"), (invalid.Code, invalid.Message, invalid.ParameterName));
        Assert.Equal((ErrorCodes.PermissionDenied, "You are not a member of this conversation."), (denied.Code, denied.Message));
    }

    private static T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value))!;

    private static IEnumerable<Type> Contract() =>
        typeof(ChatJsonContext).Assembly.GetTypes().Where(t => t.IsPublic && !t.IsInterface && !t.IsAbstract
            && (t.Namespace?.StartsWith("Orleans.Chat.Grains", StringComparison.Ordinal) ?? false)
            && (typeof(ChatException).IsAssignableFrom(t) || t.GetMethod("<Clone>$") is not null)
            && t != typeof(ChatJsonContext));
}
