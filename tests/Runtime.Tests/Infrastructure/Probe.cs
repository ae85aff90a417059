using System.Collections.Concurrent;

namespace Orleans.Chat.Runtime.Tests.Infrastructure;

/// <summary>What test grains report about themselves: lifecycle events, concurrency high-water marks, ticks.</summary>
public sealed class Probe
{
    private int _inside;
    private int _maxInside;

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();

    public static AsyncLocal<string?> Ambient { get; } = new();

    public ConcurrentQueue<string> Events { get; } = new();

    /// <summary>A named gate grains wait on and tests (or other grains) open.</summary>
    public TaskCompletionSource Gate(string name) =>
        _gates.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public int MaxInside => Volatile.Read(ref _maxInside);

    public void Record(string @event) => Events.Enqueue(@event);

    public int Count(string @event) => Events.Count(e => e == @event);

    /// <summary>Marks entry into code that must never run on two threads at once for one grain.</summary>
    public void Enter()
    {
        var inside = Interlocked.Increment(ref _inside);
        int max;
        while (inside > (max = Volatile.Read(ref _maxInside)) && Interlocked.CompareExchange(ref _maxInside, inside, max) != max)
        {
        }
    }

    public void Exit() => Interlocked.Decrement(ref _inside);

    /// <summary>Waits until <paramref name="condition"/> holds, polling briefly; fails after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }
}
