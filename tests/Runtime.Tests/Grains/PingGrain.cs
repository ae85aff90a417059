namespace Orleans.Chat.Runtime.Tests.Grains;

public interface IPingGrain : IGrainWithStringKey
{
    /// <summary>Calls <paramref name="otherKey"/> back and forth <paramref name="hops"/> times.</summary>
    ValueTask<string> PingAsync(string otherKey, int hops);
}

public interface IReentrantPingGrain : IGrainWithStringKey
{
    ValueTask<string> PingAsync(string otherKey, int hops);
}

[Reentrant]
public sealed class ReentrantPingGrain : Grain, IReentrantPingGrain
{
    public async ValueTask<string> PingAsync(string otherKey, int hops)
    {
        if (hops == 0)
        {
            return "pong from " + GetPrimaryKeyString();
        }

        return await GrainFactory.GetGrain<IReentrantPingGrain>(otherKey).PingAsync(GetPrimaryKeyString(), hops - 1);
    }
}

public sealed class PingGrain : Grain, IPingGrain
{
    public async ValueTask<string> PingAsync(string otherKey, int hops)
    {
        if (hops == 0)
        {
            return "pong from " + GetPrimaryKeyString();
        }

        return await GrainFactory.GetGrain<IPingGrain>(otherKey).PingAsync(GetPrimaryKeyString(), hops - 1);
    }
}
