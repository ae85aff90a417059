using System.Collections.Concurrent;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Orleans.Chat.Runtime.Invocation;

/// <summary>Where generated module initializers register the reference factory of each grain and observer interface.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GrainReferenceRegistry
{
    private static readonly ConcurrentDictionary<Type, Func<GrainReferenceArgs, object>> Factories = new();

    public static void Register<TInterface>(Func<GrainReferenceArgs, TInterface> factory)
        where TInterface : class, IAddressable
    {
        ArgumentNullException.ThrowIfNull(factory);
        Factories[typeof(TInterface)] = factory;
    }

    internal static Func<GrainReferenceArgs, object> GetFactory(Type interfaceType)
    {
        if (Factories.TryGetValue(interfaceType, out var factory))
        {
            return factory;
        }

        // A module initializer runs when its module's code first runs; naming an interface type alone may not
        // have run it yet, so run it now.
        RuntimeHelpers.RunModuleConstructor(interfaceType.Module.ModuleHandle);
        if (Factories.TryGetValue(interfaceType, out factory))
        {
            return factory;
        }

        throw new InvalidOperationException(
            $"No generated reference for {interfaceType.FullName}. Reference Runtime.CodeGenerator from the project that declares it: " +
            "<ProjectReference Include=\"../Runtime.CodeGenerator/Runtime.CodeGenerator.csproj\" OutputItemType=\"Analyzer\" ReferenceOutputAssembly=\"false\" />");
    }
}
