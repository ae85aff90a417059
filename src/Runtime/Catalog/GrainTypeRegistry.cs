using System.Reflection;

namespace Orleans.Chat.Runtime.Catalog;

/// <summary>The grain classes the silo hosts, by grain type name, and which grain type implements each grain interface.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly Dictionary<string, GrainClassInfo> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string?> _byInterface = [];

    public IReadOnlyCollection<GrainClassInfo> GrainClasses => _byName.Values;

    /// <summary>Adds every non-abstract <see cref="Grain"/> subclass of the assembly.</summary>
    public void AddAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            if (type.IsAbstract || !type.IsClass || type.IsGenericTypeDefinition || !typeof(Grain).IsAssignableFrom(type))
            {
                continue;
            }

            AddGrainClass(type);
        }
    }

    public void AddGrainClass(Type type)
    {
        var info = new GrainClassInfo(type);
        if (_byName.TryGetValue(info.Name, out var existing))
        {
            if (existing.Type == type)
            {
                return;
            }

            throw new InvalidOperationException(
                $"Grain classes {existing.Type.FullName} and {type.FullName} both have grain type name '{info.Name}'; use [GrainType] to tell them apart.");
        }

        _byName.Add(info.Name, info);
        foreach (var iface in type.GetInterfaces())
        {
            if (iface == typeof(IGrainWithStringKey) || !typeof(IGrainWithStringKey).IsAssignableFrom(iface))
            {
                continue;
            }

            // An interface implemented by two grain classes is ambiguous (null): GetGrain names both.
            _byInterface[iface] = _byInterface.ContainsKey(iface) ? null : info.Name;
        }
    }

    public GrainClassInfo GetGrainClass(string grainType) =>
        _byName.TryGetValue(grainType, out var info)
            ? info
            : throw new InvalidOperationException($"No grain class has grain type '{grainType}'. Did you call AddGrains with its assembly?");

    public string GetGrainType(Type grainInterface)
    {
        if (_byInterface.TryGetValue(grainInterface, out var name))
        {
            return name ?? throw new InvalidOperationException(
                $"More than one grain class implements {grainInterface.FullName}: " +
                string.Join(", ", _byName.Values.Where(g => grainInterface.IsAssignableFrom(g.Type)).Select(g => g.Type.FullName)));
        }

        throw new InvalidOperationException(
            $"No grain class implements {grainInterface.FullName}. Did you call AddGrains with the assembly of its grain class?");
    }
}
