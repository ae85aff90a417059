using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Invocation;
using Orleans.Chat.Runtime.Messaging;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Runtime.Reminders;

/// <summary>
/// Persistent reminders: rows live in the <see cref="IReminderTable"/>; the silo loads them all when it starts and
/// keeps one local timer per reminder, whose tick calls <see cref="IRemindable.ReceiveReminder"/> as a grain call
/// (activating the grain if needed). Because the table is the truth, reminders fire again after a restart.
/// </summary>
internal sealed class ReminderService(IServiceProvider services, Dispatcher dispatcher, ILogger<ReminderService> logger) : IDisposable
{
    private readonly ConcurrentDictionary<(GrainId GrainId, string Name), LocalReminder> _local = new();
    private volatile bool _stopped;

    public int LocalCount => _local.Count;

    private IReminderTable Table =>
        services.GetService<IReminderTable>() ?? throw new InvalidOperationException("No IReminderTable is registered; reminders need one.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var table = services.GetService<IReminderTable>();
        if (table is null)
        {
            return;
        }

        var rows = await table.ReadAllRowsAsync(cancellationToken);
        foreach (var row in rows)
        {
            Schedule(row);
        }

        RuntimeLog.RemindersLoaded(logger, rows.Count);
    }

    public void Stop()
    {
        _stopped = true;
        foreach (var reminder in _local.Values)
        {
            reminder.Dispose();
        }

        _local.Clear();
    }

    public void Dispose() => Stop();

    public async Task<IGrainReminder> RegisterOrUpdateAsync(GrainId grainId, string reminderName, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentException.ThrowIfNullOrEmpty(reminderName);
        if (period <= TimeSpan.Zero || period == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "A reminder period must be positive.");
        }

        if (dueTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "A reminder due time cannot be negative.");
        }

        var entry = new ReminderEntry(grainId, reminderName, DateTimeOffset.UtcNow + dueTime, period);
        var etag = await Table.UpsertRowAsync(entry);
        Schedule(entry with { ETag = etag });
        return new GrainReminder(reminderName);
    }

    public async Task UnregisterAsync(GrainId grainId, IGrainReminder reminder)
    {
        ArgumentNullException.ThrowIfNull(reminder);
        if (_local.TryRemove((grainId, reminder.ReminderName), out var local))
        {
            local.Dispose();
        }

        var row = await Table.ReadRowAsync(grainId, reminder.ReminderName);
        if (row?.ETag is { } etag)
        {
            await Table.RemoveRowAsync(grainId, reminder.ReminderName, etag);
        }
    }

    public async Task<IGrainReminder?> GetAsync(GrainId grainId, string reminderName)
    {
        var row = await Table.ReadRowAsync(grainId, reminderName);
        return row is null ? null : new GrainReminder(reminderName);
    }

    private void Schedule(ReminderEntry entry)
    {
        if (_stopped)
        {
            return;
        }

        var reminder = new LocalReminder(this, entry);
        _local.AddOrUpdate((entry.GrainId, entry.ReminderName), reminder, (_, old) =>
        {
            old.Dispose();
            return reminder;
        });
        reminder.ScheduleNext();
    }

    private async Task FireAsync(LocalReminder reminder)
    {
        var entry = reminder.Entry;
        var status = new TickStatus(entry.StartAt, entry.Period, DateTimeOffset.UtcNow);
        try
        {
            await dispatcher.InvokeAsync<ReceiveReminderInvokable, NoResult>(entry.GrainId, new ReceiveReminderInvokable(entry.ReminderName, status));
        }
        catch (Exception exception)
        {
            RuntimeLog.ReminderFailed(logger, exception, entry.ReminderName, entry.GrainId);
        }

        reminder.ScheduleNext();
    }

    private sealed record GrainReminder(string ReminderName) : IGrainReminder;

    private sealed class LocalReminder : IDisposable
    {
        private readonly ReminderService _service;
        private readonly Timer _timer;
        private readonly Lock _lock = new();
        private bool _disposed;

        public LocalReminder(ReminderService service, ReminderEntry entry)
        {
            _service = service;
            Entry = entry;
            _timer = new Timer(static s => ((LocalReminder)s!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
        }

        public ReminderEntry Entry { get; }

        /// <summary>The tick this reminder's timer is set for.</summary>
        public DateTimeOffset NextTick { get; private set; } = DateTimeOffset.MinValue;

        /// <summary>Sets the timer for the first tick after now and after the tick that just fired (a timer may fire early).</summary>
        public void ScheduleNext()
        {
            var now = DateTimeOffset.UtcNow;
            var floor = now > NextTick ? now : NextTick;
            var next = Entry.StartAt;
            if (next <= floor)
            {
                var periods = (long)Math.Floor((floor - Entry.StartAt) / Entry.Period) + 1;
                next = Entry.StartAt + (Entry.Period * periods);
            }

            lock (_lock)
            {
                NextTick = next;
                if (!_disposed)
                {
                    _timer.Change(next - now, Timeout.InfiniteTimeSpan);
                }
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
                _timer.Dispose();
            }
        }

        private void OnTimer()
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }
            }

            _ = _service.FireAsync(this);
        }
    }
}

/// <summary>The <see cref="IRemindable.ReceiveReminder"/> call as an invokable, like the generated ones.</summary>
internal readonly struct ReceiveReminderInvokable(string reminderName, TickStatus status) : IInvokable<NoResult>
{
    public string InterfaceName => "Orleans.Chat.Runtime.IRemindable";

    public string MethodName => nameof(IRemindable.ReceiveReminder);

    public InvokeFlags Flags => InvokeFlags.Void;

    public ValueTask<NoResult> Invoke(object target) =>
        InvokableHelpers.FromTask(((IRemindable)target).ReceiveReminder(reminderName, status));
}
