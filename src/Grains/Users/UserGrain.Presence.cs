using Orleans.Chat.Grains.Errors;
using Orleans.Runtime;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// Presence: computed from what the Api hosts report of the user's connections (kept in memory; a new activation
/// hears again from every host within a renewal) and the status the user chose, published to subscribers at most
/// once per <see cref="PresenceOptions.CoalesceWindow"/>. Last activity is when the user stopped being available.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>Each Api host's report of the user's connections there, by its observer, and when it was last renewed.</summary>
    private readonly Dictionary<GrainId, (DevicePresence Devices, DateTimeOffset RenewedAt)> _hosts = [];

    /// <summary>The status as computed at the last change; its move away from available or busy sets <see cref="UserState.LastActiveAt"/>.</summary>
    private PresenceStatus _status = PresenceStatus.Unavailable;

    /// <summary>What subscribers were last told (an activation starts from unavailable: no device has reported yet).</summary>
    private PresenceStatus _published = PresenceStatus.Unavailable;

    private DateTimeOffset _publishedAt = DateTimeOffset.MinValue;

    /// <summary>Whether <see cref="UserState.LastActiveAt"/> moved since the state was last written.</summary>
    private bool _lastActiveUnsaved;
    private IGrainTimer? _publishTimer;
    private IGrainTimer? _leaseTimer;

    public async ValueTask<Connected> ConnectAsync(IUserObserver observer, DevicePresence devices)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(devices);

        // Read with the subscription, in one turn: changes after it are told to this observer, those up to it were not.
        await FeedLastAsync();
        _observers.Subscribe(observer, observer);
        var feedLast = _feedLast ?? 0;
        var now = timeProvider.GetUtcNow();
        var host = observer.GetGrainId();
        if (_hosts.TryGetValue(host, out var known) && known.Devices.Version > devices.Version)
        {
            devices = known.Devices; // An older report than the one held: it only renews.
        }

        if (devices.Connections > 0)
        {
            _hosts[host] = (devices with { Active = Math.Clamp(devices.Active, 0, devices.Connections) }, now);
            _leaseTimer ??= this.RegisterGrainTimer(DropLapsedHostsAsync, new GrainTimerCreationOptions
            {
                DueTime = presenceOptions.Value.DeviceLease / 3,
                Period = presenceOptions.Value.DeviceLease / 3,
            });
        }
        else
        {
            _hosts.Remove(host);
        }

        await OnDevicesChangedAsync(now);
        return new Connected(Silenced(), feedLast);
    }

    public async ValueTask<UserPresence> SetPresenceStatusAsync(PresenceStatus status)
    {
        EnsureCreated();
        if (status is not (PresenceStatus.Available or PresenceStatus.Dnd or PresenceStatus.Unavailable))
        {
            throw new InvalidArgumentException("'status' is AVAILABLE, DND or UNAVAILABLE.", "status");
        }

        if (S.ChosenPresence != status)
        {
            S.ChosenPresence = status;
            await WriteStateAsync();
            await OnDevicesChangedAsync(timeProvider.GetUtcNow());
        }

        return PresenceFor(null, timeProvider.GetUtcNow());
    }

    public ValueTask<UserPresence> GetPresenceAsync(string viewerId)
    {
        Validate.Id(viewerId, "viewerId");
        return ValueTask.FromResult(PresenceFor(viewerId, timeProvider.GetUtcNow()));
    }

    /// <summary>The user's presence as a viewer sees it: unknown to those the user does not receive from (see <see cref="Silences"/>).</summary>
    private UserPresence PresenceFor(string? viewerId, DateTimeOffset now)
    {
        var id = this.GetPrimaryKeyString();
        if (viewerId is not null && Silences(viewerId))
        {
            return new UserPresence(id, PresenceStatus.Unknown, null, now);
        }

        var status = CurrentStatus(now);
        long? lastActivity = IsActive(status) ? 0 : S.LastActiveAt is { } at ? Math.Max(0, (long)(now - at).TotalSeconds) : null;
        return new UserPresence(id, status, lastActivity, now);
    }

    private PresenceStatus CurrentStatus(DateTimeOffset now)
    {
        var lapsed = now - presenceOptions.Value.DeviceLease;
        var connections = 0;
        var active = 0;
        foreach (var (devices, renewedAt) in _hosts.Values)
        {
            if (renewedAt > lapsed)
            {
                connections += devices.Connections;
                active += devices.Active;
            }
        }

        return connections == 0 ? PresenceStatus.Unavailable
            : S.ChosenPresence is PresenceStatus.Dnd or PresenceStatus.Unavailable ? S.ChosenPresence
            : active > 0 ? PresenceStatus.Available
            : PresenceStatus.Unavailable;
    }

    private static bool IsActive(PresenceStatus status) => status is PresenceStatus.Available or PresenceStatus.Dnd;

    /// <summary>
    /// After a host's report or the user's choice: notes when the user stopped being active (stored once no device is
    /// left or the activation ends, so that a user who flaps costs no write per flap), and publishes the change.
    /// </summary>
    private async Task OnDevicesChangedAsync(DateTimeOffset now)
    {
        var status = CurrentStatus(now);
        if (IsActive(_status) && !IsActive(status))
        {
            S.LastActiveAt = now;
            _lastActiveUnsaved = true;
        }

        _status = status;
        if (_hosts.Count == 0)
        {
            await SaveLastActivityAsync();
        }

        await SchedulePublishAsync(now);
    }

    private async Task SaveLastActivityAsync()
    {
        if (_lastActiveUnsaved && S.Created)
        {
            await WriteStateAsync();
        }
    }

    /// <summary>Publishes now if the last publication is older than the window; otherwise once the window ends.</summary>
    private async Task SchedulePublishAsync(DateTimeOffset now)
    {
        if (_status == _published || _publishTimer is not null)
        {
            return;
        }

        var due = _publishedAt + presenceOptions.Value.CoalesceWindow;
        if (due <= now)
        {
            await PublishPresenceAsync(now);
            return;
        }

        _publishTimer = this.RegisterGrainTimer(async () =>
        {
            _publishTimer?.Dispose();
            _publishTimer = null;
            var at = timeProvider.GetUtcNow();
            _status = CurrentStatus(at);
            if (_status != _published)
            {
                await PublishPresenceAsync(at);
            }
        }, new GrainTimerCreationOptions { DueTime = due - now, Period = Timeout.InfiniteTimeSpan });
    }

    /// <summary>Tells each subscriber (but those who may not see it) through their user grain, one-way.</summary>
    private async Task PublishPresenceAsync(DateTimeOffset now)
    {
        _published = _status;
        _publishedAt = now;
        var presence = PresenceFor(null, now);
        foreach (var subscriber in S.Subscribers)
        {
            if (!Silences(subscriber))
            {
                await GrainFactory.GetGrain<IUserGrain>(subscriber).OnSubscribedPresenceAsync(presence); // one-way: does not wait
            }
        }
    }

    /// <summary>Reports of hosts that stopped renewing (a host that died) stop counting.</summary>
    private async Task DropLapsedHostsAsync()
    {
        var now = timeProvider.GetUtcNow();
        var lapsed = now - presenceOptions.Value.DeviceLease;
        var gone = _hosts.Where(h => h.Value.RenewedAt <= lapsed).Select(h => h.Key).ToList();
        foreach (var host in gone)
        {
            _hosts.Remove(host);
        }

        if (_hosts.Count == 0)
        {
            _leaseTimer?.Dispose();
            _leaseTimer = null;
        }

        if (gone.Count > 0)
        {
            await OnDevicesChangedAsync(now);
        }
    }
}
