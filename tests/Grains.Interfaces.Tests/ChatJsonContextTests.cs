using System.Reflection;
using System.Text.Json;
using Orleans.Chat.Grains;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;


namespace Orleans.Chat.Grains.Interfaces.Tests;

public sealed class ChatJsonContextTests
{
    private static readonly Assembly Contract = typeof(ChatJsonContext).Assembly;

    public static TheoryData<string> GrainAndObserverMethods()
    {
        var data = new TheoryData<string>();
        foreach (var method in ContractMethods())
        {
            data.Add($"{method.DeclaringType!.Name}.{method.Name}");
        }

        return data;
    }

    [Fact]
    public void Contract_HasGrainAndObserverInterfaces()
    {
        var interfaces = ContractInterfaces().Select(t => t.Name).ToList();

        Assert.Contains(nameof(IUserGrain), interfaces);
        Assert.Contains(nameof(IConversationGrain), interfaces);
        Assert.Contains(nameof(IUserObserver), interfaces);
        Assert.True(ContractMethods().Count() >= 20, "the reflection must find the contract's methods");
    }

    [Theory]
    [MemberData(nameof(GrainAndObserverMethods))]
    public void Method_EveryParameterAndResultType_IsInChatJsonContext(string methodName)
    {
        var method = ContractMethods().Single(m => $"{m.DeclaringType!.Name}.{m.Name}" == methodName);
        var types = method.GetParameters().Select(p => p.ParameterType).Append(UnwrapResult(method.ReturnType)).OfType<Type>();

        foreach (var type in types)
        {
            if (typeof(IAddressable).IsAssignableFrom(type))
            {
                continue; // Grain and observer references travel as references, not as JSON.
            }

            Assert.True(ChatJsonContext.Default.GetTypeInfo(type) is not null, $"{methodName}: {type} is not in ChatJsonContext");
        }
    }

    [Fact]
    public void Message_RoundTrip_IsCamelCaseAndEqual()
    {
        var message = new Message("m1", "o:a:b", "o", 7, "a", "b", "héllo", "c1", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

        var json = JsonSerializer.Serialize(message, ChatJsonContext.Default.Message);
        var back = JsonSerializer.Deserialize(json, ChatJsonContext.Default.Message);

        Assert.Contains("\"sortNumber\":7", json, StringComparison.Ordinal);
        Assert.Contains("\"clientMessageId\":\"c1\"", json, StringComparison.Ordinal);
        Assert.Equal(message, back);
    }

    private static IEnumerable<Type> ContractInterfaces() =>
        Contract.GetTypes().Where(t => t.IsInterface && t.IsPublic && (typeof(IGrain).IsAssignableFrom(t) || typeof(IGrainObserver).IsAssignableFrom(t)));

    private static IEnumerable<MethodInfo> ContractMethods() =>
        ContractInterfaces().SelectMany(t => t.GetMethods()).Where(m => !m.IsSpecialName);

    private static Type? UnwrapResult(Type type) =>
        type == typeof(ValueTask) || type == typeof(Task) ? null
        : type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(ValueTask<>) || type.GetGenericTypeDefinition() == typeof(Task<>))
            ? type.GetGenericArguments()[0]
            : throw new InvalidOperationException($"{type} is not Task or ValueTask");
}
