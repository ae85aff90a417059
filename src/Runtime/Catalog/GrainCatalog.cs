using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Messaging;
using Orleans.Chat.Runtime.Placement;

namespace Orleans.Chat.Runtime.Catalog;

/// <summary>
/// The silo's activations: gets or creates the one activation of a grain id (the local directory), forwards
/// messages to a grain's next activation, and deactivates everything when the silo stops.
/// </summary>
internal sealed class GrainCatalog(
    GrainTypeRegistry types,
    IServiceProvider services,
    IGrainDirectory directory,
    IPlacementDirector placement,
    ILoggerFactory loggerFactory)
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger<GrainCatalog>();
    private volatile bool _stopping;

    public GrainTypeRegistry Types => types;

    public IGrainDirectory Directory => directory;

    public int Count => _activations.Count;

    public ICollection<ActivationData> Activations => _activations.Values;

    public ActivationData GetOrCreate(GrainId grainId)
    {
        while (true)
        {
            if (_activations.TryGetValue(grainId, out var existing))
            {
                return existing;
            }

            if (_stopping)
            {
                throw new InvalidOperationException($"The silo is shutting down; grain {grainId} cannot be activated.");
            }

            var grainClass = types.GetGrainClass(grainId.Type);
            var silo = placement.Place(grainId);
            if (silo != SiloAddress.Local)
            {
                throw new NotSupportedException($"Grain {grainId} was placed on {silo}; remote silos are not supported yet.");
            }

            var activation = new ActivationData(grainId, grainClass, this, services, loggerFactory);
            if (_activations.TryAdd(grainId, activation))
            {
                activation.Activate();
                return activation;
            }
        }
    }

    /// <summary>Queues a message to an activation, following the grain to its next activation if this one closed.</summary>
    public void Send(ActivationData activation, Message message)
    {
        try
        {
            while (!activation.Scheduler.Enqueue(message))
            {
                activation = GetOrCreate(message.TargetId);
            }
        }
        catch (Exception exception)
        {
            message.Fail(exception);
        }
    }

    /// <summary>Messages left in a closed activation: forward them to the grain's next activation, or fail them.</summary>
    public void Forward(IEnumerable<Message> messages)
    {
        foreach (var message in messages)
        {
            if (!message.CanForward)
            {
                message.Fail(new InvalidOperationException($"Activation of {message.TargetId} was deactivated."));
                continue;
            }

            try
            {
                Send(GetOrCreate(message.TargetId), message);
            }
            catch (Exception exception)
            {
                message.Fail(exception);
            }
        }
    }

    public void Remove(ActivationData activation)
    {
        _activations.TryRemove(KeyValuePair.Create(activation.GrainId, activation));
        directory.Unregister(activation.GrainId, SiloAddress.Local);
    }

    /// <summary>Stops creating activations and deactivates every one (OnDeactivateAsync runs for each).</summary>
    public async Task DeactivateAllAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stopping = true;
        var activations = _activations.Values.ToList();
        RuntimeLog.DeactivatingAll(_logger, activations.Count);
        var tasks = activations.Select(a => a.DeactivateAsync(reason)).ToList();
        await Task.WhenAll(tasks).WaitAsync(cancellationToken);
    }

    /// <summary>Deactivates the activations idle for at least <paramref name="age"/>; returns how many.</summary>
    public int CollectIdle(TimeSpan age)
    {
        var now = Environment.TickCount64;
        var ageMs = (long)age.TotalMilliseconds;
        var collected = 0;
        foreach (var activation in _activations.Values)
        {
            var scheduler = activation.Scheduler;
            if (scheduler.IsOpen && now - scheduler.LastActiveTicks >= ageMs && scheduler.RunningCount == 0)
            {
                _ = activation.DeactivateAsync(new DeactivationReason(DeactivationReasonCode.ActivationIdle, "The activation was idle."));
                collected++;
            }
        }

        return collected;
    }
}
