using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Orleans.Chat.Api.Endpoints;

namespace Orleans.Chat.Api.Realtime;

/// <summary>
/// Holds each hub connection to its access token's expiry: <c>token:aboutToExpire</c>
/// <see cref="RealtimeOptions.TokenExpiryWarning"/> before, and the connection closed at expiry unless the client gave a
/// new token (<see cref="ChatHub.RefreshToken"/>). One timer per connection, rearmed per phase, not per message.
/// </summary>
public sealed partial class ConnectionExpiry(
    IHubContext<ChatHub, IChatClient> hub, IOptions<RealtimeOptions> options, TimeProvider timeProvider, ILogger<ConnectionExpiry> logger)
{
    private static readonly object ItemKey = new();

    private DateTimeOffset Now => timeProvider.GetUtcNow();

    /// <summary>Starts the clock at the expiry of the token the connection was opened with (none for a token without one).</summary>
    public void Start(HubCallerContext context)
    {
        var expiresAt = context.GetHttpContext()?.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.ExpiresUtc;
        if (expiresAt is { } at)
        {
            var deadline = new Deadline(this, context);
            context.Items[ItemKey] = deadline;
            deadline.Set(at);
        }
    }

    public void Extend(HubCallerContext context, DateTimeOffset expiresAt)
    {
        if (context.Items.TryGetValue(ItemKey, out var value) && value is Deadline deadline)
        {
            deadline.Set(expiresAt);
        }
    }

    public void Stop(HubCallerContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var value) && value is Deadline deadline)
        {
            context.Items.Remove(ItemKey);
            deadline.Dispose();
        }
    }

    private TimeSpan Warning => options.Value.TokenExpiryWarning;

    private ITimer CreateTimer(TimerCallback callback, object state) =>
        timeProvider.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    private void Close(HubCallerContext context)
    {
        LogExpired(logger, context.ConnectionId);
        context.Abort();
    }

    private async Task WarnAsync(string connectionId, DateTimeOffset expiresAt)
    {
        try
        {
            await hub.Clients.Client(connectionId).TokenAboutToExpire(new TokenExpiry(expiresAt));
        }
        catch (Exception exception)
        {
            // The connection may be closing; the deadline closes it anyway if no new token comes.
            LogWarnFailed(logger, exception, connectionId);
        }
    }

    [LoggerMessage(EventId = 4409, Level = LogLevel.Information, Message = "Closing connection {ConnectionId}: its access token expired")]
    private static partial void LogExpired(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 4410, Level = LogLevel.Debug, Message = "Could not send token:aboutToExpire to connection {ConnectionId}")]
    private static partial void LogWarnFailed(ILogger logger, Exception exception, string connectionId);

    /// <summary>One connection's timer: first due at the warning, then at the expiry.</summary>
    private sealed class Deadline : IDisposable
    {
        private readonly Lock _lock = new();
        private readonly ConnectionExpiry _owner;
        private readonly HubCallerContext _context;
        private readonly ITimer _timer;
        private DateTimeOffset _expiresAt;
        private bool _warned;

        public Deadline(ConnectionExpiry owner, HubCallerContext context)
        {
            _owner = owner;
            _context = context;
            _timer = owner.CreateTimer(static state => ((Deadline)state!).OnTimer(), this);
        }

        public void Set(DateTimeOffset expiresAt)
        {
            lock (_lock)
            {
                _expiresAt = expiresAt;
                _warned = false;
                Arm();
            }
        }

        public void Dispose() => _timer.Dispose();

        private void OnTimer()
        {
            bool warn;
            DateTimeOffset expiresAt;
            lock (_lock)
            {
                if (_owner.Now >= _expiresAt)
                {
                    _owner.Close(_context);
                    return;
                }

                warn = !_warned;
                _warned = true;
                expiresAt = _expiresAt;
                Arm();
            }

            if (warn)
            {
                _ = _owner.WarnAsync(_context.ConnectionId, expiresAt);
            }
        }

        private void Arm()
        {
            var due = (_warned ? _expiresAt : _expiresAt - _owner.Warning) - _owner.Now;
            _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }
}
