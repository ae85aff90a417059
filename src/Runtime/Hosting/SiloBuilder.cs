using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Runtime.Catalog;

namespace Orleans.Chat.Runtime.Hosting;

internal sealed class SiloBuilder(IServiceCollection services) : ISiloBuilder
{
    public IServiceCollection Services => services;

    public GrainTypeRegistry Types { get; } = new();

    public List<IJsonTypeInfoResolver> Resolvers { get; } = [];

    public ISiloBuilder AddGrains(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        Types.AddAssembly(assembly);
        return this;
    }

    public ISiloBuilder AddJsonTypeInfoResolver(IJsonTypeInfoResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        Resolvers.Add(resolver);
        return this;
    }
}
