using System.Collections;
using Microsoft.Extensions.Logging;
using Orleans.Chat.Runtime.Hosting;

namespace Orleans.Chat.Runtime.Observers;

/// <summary>
/// The observers subscribed to a grain. A subscription expires <see cref="ExpirationDuration"/> after its last
/// <see cref="Subscribe"/> unless renewed by subscribing again. <see cref="Notify(Func{TObserver, ValueTask}, Func{TObserver, bool}?)"/>
/// calls each live observer; one that throws (now or later) is logged and dropped, and never blocks the grain.
/// Safe to use from a grain's turns and from other threads.
/// </summary>
public sealed class ObserverManager<TObserver> : IEnumerable<TObserver>
    where TObserver : notnull
{
    private readonly Dictionary<TObserver, DateTimeOffset> _observers = [];
    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    public ObserverManager(TimeSpan expiration, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(expiration, TimeSpan.Zero);
        ExpirationDuration = expiration;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public TimeSpan ExpirationDuration { get; set; }

    /// <summary>The number of subscriptions that have not expired.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                RemoveExpiredLocked();
                return _observers.Count;
            }
        }
    }

    /// <summary>Adds the observer, or renews its subscription.</summary>
    public void Subscribe(TObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_lock)
        {
            _observers[observer] = _timeProvider.GetUtcNow();
        }
    }

    public void Unsubscribe(TObserver observer)
    {
        lock (_lock)
        {
            _observers.Remove(observer);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _observers.Clear();
        }
    }

    /// <summary>Removes the subscriptions that were not renewed in time.</summary>
    public void ClearExpired()
    {
        lock (_lock)
        {
            RemoveExpiredLocked();
        }
    }

    /// <summary>Calls each live observer (those matching <paramref name="predicate"/>); drops the ones that fail.</summary>
    public void Notify(Action<TObserver> notification, Func<TObserver, bool>? predicate = null)
    {
        ArgumentNullException.ThrowIfNull(notification);
        foreach (var observer in Snapshot(predicate))
        {
            try
            {
                notification(observer);
            }
            catch (Exception exception)
            {
                Drop(observer, exception);
            }
        }
    }

    /// <summary>
    /// Calls each live observer without waiting for it. A call that fails at once drops the observer at once;
    /// one that fails later drops it when it fails.
    /// </summary>
    public void Notify(Func<TObserver, ValueTask> notification, Func<TObserver, bool>? predicate = null)
    {
        ArgumentNullException.ThrowIfNull(notification);
        foreach (var observer in Snapshot(predicate))
        {
            ValueTask task;
            try
            {
                task = notification(observer);
            }
            catch (Exception exception)
            {
                Drop(observer, exception);
                continue;
            }

            if (task.IsCompleted)
            {
                try
                {
                    task.GetAwaiter().GetResult();
                }
                catch (Exception exception)
                {
                    Drop(observer, exception);
                }
            }
            else
            {
                _ = ObserveAsync(observer, task);
            }
        }
    }

    public IEnumerator<TObserver> GetEnumerator() => Snapshot(null).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private List<TObserver> Snapshot(Func<TObserver, bool>? predicate)
    {
        lock (_lock)
        {
            RemoveExpiredLocked();
            var list = new List<TObserver>(_observers.Count);
            foreach (var observer in _observers.Keys)
            {
                if (predicate is null || predicate(observer))
                {
                    list.Add(observer);
                }
            }

            return list;
        }
    }

    private async Task ObserveAsync(TObserver observer, ValueTask task)
    {
        try
        {
            await task;
        }
        catch (Exception exception)
        {
            Drop(observer, exception);
        }
    }

    private void Drop(TObserver observer, Exception exception)
    {
        RuntimeLog.ObserverDropped(_logger, exception, observer);
        Unsubscribe(observer);
    }

    private void RemoveExpiredLocked()
    {
        var cutoff = _timeProvider.GetUtcNow() - ExpirationDuration;
        List<TObserver>? expired = null;
        foreach (var (observer, subscribedAt) in _observers)
        {
            if (subscribedAt < cutoff)
            {
                (expired ??= []).Add(observer);
            }
        }

        if (expired is not null)
        {
            foreach (var observer in expired)
            {
                _observers.Remove(observer);
                RuntimeLog.ObserverExpired(_logger, observer);
            }
        }
    }
}
