using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Chat.Runtime.Catalog;
using Orleans.Chat.Runtime.Messaging;
using Orleans.Chat.Runtime.Placement;
using Orleans.Chat.Runtime.Reminders;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Runtime.Hosting;

public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// Registers the silo: <see cref="IGrainFactory"/> (singleton), the catalog, the reminder service and the idle
    /// collector as hosted services. Stopping the host deactivates every activation (OnDeactivateAsync runs).
    /// The default <see cref="IGrainStorage"/> and <see cref="IReminderTable"/> are resolved from DI (unkeyed);
    /// <c>[PersistentState(name, storageName)]</c> resolves a keyed <see cref="IGrainStorage"/>.
    /// </summary>
    public static IServiceCollection AddSilo(this IServiceCollection services, Action<ISiloBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        // Calling AddSilo again adds to the same silo.
        var builder = services.FirstOrDefault(d => d.ServiceType == typeof(SiloBuilder))?.ImplementationInstance as SiloBuilder;
        var first = builder is null;
        builder ??= new SiloBuilder(services);
        configure(builder);
        if (!first)
        {
            return services;
        }

        services.AddSingleton(builder);
        services.AddOptions<GrainCollectionOptions>()
            .Validate(o => o.CollectionAge > TimeSpan.Zero, "GrainCollectionOptions.CollectionAge must be positive.")
            .Validate(o => o.CollectionQuantum > TimeSpan.Zero, "GrainCollectionOptions.CollectionQuantum must be positive.")
            .ValidateOnStart();
        services.AddOptions<SiloMessagingOptions>()
            .Validate(
                o => o.ResponseTimeout > TimeSpan.Zero && o.ResponseTimeout.TotalMilliseconds <= int.MaxValue,
                "SiloMessagingOptions.ResponseTimeout must be positive and at most 24 days.")
            .ValidateOnStart();

        services.AddLogging();
        services.TryAddSingleton<IGrainStateSerializer>(sp => new JsonGrainStateSerializer(sp.GetRequiredService<SiloBuilder>().Resolvers));
        services.AddSingleton(sp => sp.GetRequiredService<SiloBuilder>().Types);
        services.TryAddSingleton<IPlacementDirector, LocalPlacementDirector>();
        services.TryAddSingleton<IGrainDirectory, LocalGrainDirectory>();
        services.AddSingleton<GrainCatalog>();
        services.AddSingleton<TimeoutSweeper>();
        services.AddSingleton<Dispatcher>();
        services.AddSingleton<GrainFactory>();
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<GrainFactory>());
        services.AddSingleton<ReminderService>();
        services.AddHostedService<SiloHostedService>();
        services.AddHostedService<IdleCollector>();
        return services;
    }
}
