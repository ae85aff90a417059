using Microsoft.Extensions.Logging;
using Orleans.Chat.Runtime.Observers;

namespace Orleans.Chat.Runtime.Tests.Grains;

public interface IChatObserver : IGrainObserver
{
    ValueTask OnMessageAsync(string text);
}

public interface IRoomGrain : IGrainWithStringKey
{
    ValueTask SubscribeAsync(IChatObserver observer);

    /// <summary>Notifies every subscriber; returns how many subscribers remain.</summary>
    ValueTask<int> PublishAsync(string text);

    ValueTask<int> CountAsync();
}

public sealed class RoomGrain(ILogger<RoomGrain> logger) : Grain, IRoomGrain
{
    private readonly ObserverManager<IChatObserver> _observers = new(TimeSpan.FromMinutes(5), logger);

    public ValueTask SubscribeAsync(IChatObserver observer)
    {
        _observers.Subscribe(observer);
        return default;
    }

    public ValueTask<int> PublishAsync(string text)
    {
        _observers.Notify(o => o.OnMessageAsync(text));
        return new(_observers.Count);
    }

    public ValueTask<int> CountAsync() => new(_observers.Count);
}
