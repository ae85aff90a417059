using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Orleans.Chat.Runtime.Hosting;

/// <summary>Configures the silo inside <see cref="SiloServiceCollectionExtensions.AddSilo"/>.</summary>
public interface ISiloBuilder
{
    IServiceCollection Services { get; }

    /// <summary>Hosts every non-abstract <see cref="Grain"/> subclass of the assembly.</summary>
    ISiloBuilder AddGrains(Assembly assembly);

    /// <summary>Adds a (source-generated) resolver the default grain state serializer uses.</summary>
    ISiloBuilder AddJsonTypeInfoResolver(IJsonTypeInfoResolver resolver);
}
