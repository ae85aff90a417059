using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Chat.Runtime.Hosting;

namespace Orleans.Chat.Runtime.Messaging;

/// <summary>
/// One timer for every waiting call: calls register when they start waiting and leave when they complete; a
/// periodic sweep fails the ones past their deadline with a <see cref="TimeoutException"/>.
/// </summary>
internal sealed class TimeoutSweeper : IDisposable
{
    // The generation tells one use of a pooled message from the next: a sweep never times out a later use.
    private readonly ConcurrentDictionary<Message, (long Deadline, short Generation)> _waiting = new(ReferenceEqualityComparer.Instance);
    private readonly Timer _timer;
    private readonly long _timeoutMs;
    private int _sweeping;

    public TimeoutSweeper(IOptions<SiloMessagingOptions> options)
    {
        Timeout = options.Value.ResponseTimeout;
        _timeoutMs = (long)Timeout.TotalMilliseconds;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(Timeout.TotalMilliseconds / 10, 5, 1000));
        _timer = new Timer(static s => ((TimeoutSweeper)s!).Sweep(), this, period, period);
    }

    public TimeSpan Timeout { get; }

    public int WaitingCount => _waiting.Count;

    public void Register(Message message) => _waiting[message] = (Environment.TickCount64 + _timeoutMs, message.Generation);

    public void Unregister(Message message) => _waiting.TryRemove(message, out _);

    public void Dispose() => _timer.Dispose();

    private void Sweep()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            var now = Environment.TickCount64;
            foreach (var entry in _waiting)
            {
                if (entry.Value.Deadline <= now && _waiting.TryRemove(entry))
                {
                    entry.Key.TimeOut(Timeout, entry.Value.Generation);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }
}
