using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Chat.Runtime.Invocation;
using Orleans.Chat.Runtime.Messaging;
using Orleans.Chat.Runtime.Observers;

namespace Orleans.Chat.Runtime.Catalog;

/// <summary>Makes references: to grains by interface and key, and to local observer objects.</summary>
internal sealed class GrainFactory(Dispatcher dispatcher, GrainTypeRegistry types, ILoggerFactory loggerFactory) : IGrainFactory
{
    private readonly ConcurrentDictionary<Type, (string GrainType, Func<GrainReferenceArgs, object> Factory)> _grainInterfaces = new();
    private readonly ConcurrentDictionary<IGrainObserver, ObserverTarget> _observers = new(ReferenceEqualityComparer.Instance);
    private readonly ILogger _observerLogger = loggerFactory.CreateLogger<ObserverTarget>();

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(primaryKey);
        var (grainType, factory) = _grainInterfaces.GetOrAdd(
            typeof(TGrainInterface),
            static (type, types) => (types.GetGrainType(type), GrainReferenceRegistry.GetFactory(type)),
            types);
        return (TGrainInterface)factory(new GrainReferenceArgs(dispatcher, new GrainId(grainType, primaryKey), null));
    }

    public TGrainObserverInterface CreateObjectReference<TGrainObserverInterface>(IGrainObserver obj)
        where TGrainObserverInterface : IGrainObserver
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj is not TGrainObserverInterface)
        {
            throw new ArgumentException($"The object does not implement {typeof(TGrainObserverInterface).FullName}.", nameof(obj));
        }

        var target = _observers.GetOrAdd(obj, static (o, logger) => new ObserverTarget(o, logger), _observerLogger);
        var factory = GrainReferenceRegistry.GetFactory(typeof(TGrainObserverInterface));
        return (TGrainObserverInterface)factory(new GrainReferenceArgs(dispatcher, target.Id, target));
    }

    public void DeleteObjectReference<TGrainObserverInterface>(IGrainObserver obj)
        where TGrainObserverInterface : IGrainObserver
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (_observers.TryRemove(obj, out var target))
        {
            target.Delete();
        }
    }
}
