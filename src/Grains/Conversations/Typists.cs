namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// Who is typing in one conversation, in memory only (a typing indicator is worth nothing after a restart): each typist's
/// deadline, and one grain timer for all of them, due at the earliest. A start renews the deadline; a typist whose
/// deadline passes is stopped and <paramref name="expired"/> tells the others.
/// </summary>
internal sealed class Typists(Grain grain, TimeSpan timeout, TimeProvider timeProvider, Func<string, DateTimeOffset, Task> expired)
{
    private readonly Dictionary<string, DateTimeOffset> _deadlines = new(StringComparer.Ordinal);
    private IGrainTimer? _timer;

    /// <summary>Starts (or renews) or stops the user's typing; true if whether they type changed (news to the others).</summary>
    public bool Set(string userId, bool typing, DateTimeOffset now)
    {
        if (!typing)
        {
            // The timer stays: it finds nobody due, and goes when nobody types.
            return _deadlines.Remove(userId);
        }

        var started = !_deadlines.ContainsKey(userId);
        _deadlines[userId] = now + timeout;

        // Every deadline is at least the one the timer is due for: a later deadline never needs an earlier timer.
        _timer ??= grain.RegisterGrainTimer(ExpireAsync, new GrainTimerCreationOptions { DueTime = timeout, Period = Timeout.InfiniteTimeSpan });
        return started;
    }

    private async Task ExpireAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var due = _deadlines.Where(d => d.Value <= now).Select(d => d.Key).ToList();
        foreach (var userId in due)
        {
            _deadlines.Remove(userId);
        }

        // Rescheduled before telling anyone, so a failed call cannot leave the others typing forever.
        if (_deadlines.Count == 0)
        {
            _timer?.Dispose();
            _timer = null;
        }
        else
        {
            var next = _deadlines.Values.Min() - now;
            _timer?.Change(next > TimeSpan.Zero ? next : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        foreach (var userId in due)
        {
            await expired(userId, now);
        }
    }
}
