using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Runtime.Catalog;

/// <summary>
/// How to build one grain class: its grain type name, whether it is reentrant, and a factory that resolves its
/// constructor from DI, giving each [PersistentState] parameter a state bound to the grain id.
/// </summary>
internal sealed class GrainClassInfo
{
    private static readonly MethodInfo CreateStateMethod =
        typeof(GrainClassInfo).GetMethod(nameof(CreateState), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly ConstructorInfo _constructor;
    private readonly Func<IServiceProvider, GrainId, object?>[] _arguments;

    public GrainClassInfo(Type type)
    {
        Type = type;
        var attribute = type.GetCustomAttribute<GrainTypeAttribute>();
        Name = attribute?.Name ?? (type.Name.EndsWith("Grain", StringComparison.Ordinal) && type.Name.Length > 5 ? type.Name[..^5] : type.Name);
        IsReentrant = type.GetCustomAttribute<ReentrantAttribute>() is not null;

        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        if (constructors.Length == 0)
        {
            throw new InvalidOperationException($"Grain class {type.FullName} has no public constructor.");
        }

        _constructor = constructors.OrderByDescending(c => c.GetParameters().Length).First();
        _arguments = [.. _constructor.GetParameters().Select(p => BindParameter(type, p))];
    }

    public Type Type { get; }

    public string Name { get; }

    public bool IsReentrant { get; }

    public (Grain Grain, IReadOnlyList<IPersistentStateLoader> States) Create(IServiceProvider services, GrainId grainId)
    {
        var arguments = new object?[_arguments.Length];
        List<IPersistentStateLoader>? states = null;
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = _arguments[i](services, grainId);
            if (arguments[i] is IPersistentStateLoader state)
            {
                (states ??= []).Add(state);
            }
        }

        try
        {
            var grain = (Grain)_constructor.Invoke(arguments);
            return (grain, (IReadOnlyList<IPersistentStateLoader>?)states ?? []);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception.InnerException);
            throw;
        }
    }

    private static Func<IServiceProvider, GrainId, object?> BindParameter(Type grainType, ParameterInfo parameter)
    {
        if (parameter.GetCustomAttribute<PersistentStateAttribute>() is { } state)
        {
            var parameterType = parameter.ParameterType;
            if (!parameterType.IsGenericType || parameterType.GetGenericTypeDefinition() != typeof(IPersistentState<>))
            {
                throw new InvalidOperationException(
                    $"Parameter '{parameter.Name}' of {grainType.FullName} has [PersistentState] but is not IPersistentState<T>.");
            }

            var factory = CreateStateMethod.MakeGenericMethod(parameterType.GetGenericArguments()[0])
                .CreateDelegate<Func<IServiceProvider, GrainId, string, string?, object>>();
            var stateName = state.StateName;
            var storageName = state.StorageName;
            return (services, grainId) => factory(services, grainId, stateName, storageName);
        }

        var key = parameter.GetCustomAttribute<FromKeyedServicesAttribute>()?.Key;
        var type = parameter.ParameterType;
        return (services, _) =>
        {
            var value = key is null ? services.GetService(type) : services.GetKeyedService(type, key);
            if (value is not null)
            {
                return value;
            }

            if (parameter.HasDefaultValue)
            {
                return parameter.DefaultValue;
            }

            throw new InvalidOperationException(
                $"Unable to resolve service for type '{type.FullName}' while activating grain class {grainType.FullName}.");
        };
    }

    private static PersistentState<TState> CreateState<TState>(IServiceProvider services, GrainId grainId, string stateName, string? storageName)
        where TState : new()
    {
        var storage = storageName is null
            ? services.GetService<IGrainStorage>()
                ?? throw new InvalidOperationException($"No IGrainStorage is registered for state '{stateName}' of grain {grainId}.")
            : services.GetKeyedService<IGrainStorage>(storageName)
                ?? throw new InvalidOperationException($"No IGrainStorage is registered with key '{storageName}' for state '{stateName}' of grain {grainId}.");
        return new PersistentState<TState>(stateName, grainId, storage);
    }
}
