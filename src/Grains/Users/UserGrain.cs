using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;
using Orleans.Runtime;
using Orleans.Utilities;

namespace Orleans.Chat.Grains.Users;

/// <inheritdoc cref="IUserGrain"/>
/// <remarks>
/// Account, sessions, organizations and observers here; the roster in <c>UserGrain.Roster.cs</c>; my names in my
/// organizations' user directories in <c>UserGrain.Directory.cs</c>.
/// </remarks>
[GrainType("User")]
public sealed partial class UserGrain(
    [PersistentState("user")] IPersistentState<UserState> state,
    IRosterStore rosterStore,
    IMessageLog messageLog,
    IPasswordHasher<UserState> passwordHasher,
    TimeProvider timeProvider,
    IOptions<PresenceOptions> presenceOptions,
    IOptions<FeedOptions> feedOptions,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    /// <summary>Devices per user; signing in on one more device ends the oldest session.</summary>
    internal const int MaxSessions = 50;

    private readonly ObserverManager<IUserObserver> _observers = new(UserObserverSubscription.Expiration, logger);

    /// <summary>The last state write begun: writes go one at a time, because the few calls that interleave (see IUserGrain) write too.</summary>
    private Task _writing = Task.CompletedTask;

    private UserState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadRosterAsync(cancellationToken);
        await RepublishListingAsync();
        if (S.PrivacyChangesToTell.Count > 0)
        {
            // Left by a crash between a privacy change and telling it: finished once the grain answers calls.
            this.RegisterGrainTimer(TellPrivacyChangesAsync, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = Timeout.InfiniteTimeSpan });
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await SaveLastActivityAsync();
        await FeedStoredAsync().WaitAsync(cancellationToken);
        await SaveRosterAsync(reason, cancellationToken);
    }

    public async ValueTask<UserProfile> CreateAsync(CreateUserCommand command)
    {
        var id = Validate.Id(this.GetPrimaryKeyString(), "id");
        ArgumentNullException.ThrowIfNull(command);
        var displayName = Validate.Text(command.DisplayName, "displayName");
        var firstName = Validate.OptionalText(command.FirstName, "firstName");
        var lastName = Validate.OptionalText(command.LastName, "lastName");
        var password = Validate.Password(command.Password);
        UserLookupKey? email = string.IsNullOrWhiteSpace(command.Email) ? null : UserLookupKey.ForEmail(command.Email);
        UserLookupKey? phone = string.IsNullOrWhiteSpace(command.Phone) ? null : UserLookupKey.ForPhone(command.Phone);
        if (S.Created)
        {
            throw new ConflictException($"User '{id}' already exists.");
        }

        // Claim the unique lookups first: a second user with the same email or phone fails here with conflict.
        var claimed = new List<IUserLookupGrain>(2);
        try
        {
            foreach (var key in new[] { email, phone })
            {
                if (key is { } k)
                {
                    var lookup = GrainFactory.GetGrain<IUserLookupGrain>(k.ToGrainKey());
                    await lookup.ClaimAsync(id);
                    claimed.Add(lookup);
                }
            }

            var created = new UserState
            {
                Created = true,
                Email = email?.Value,
                Phone = phone?.Value,
                DisplayName = displayName,
                FirstName = firstName,
                LastName = lastName,
                CreatedAt = timeProvider.GetUtcNow(),
                ListingPublished = true, // in no organization yet
            };
            created.PasswordHash = passwordHasher.HashPassword(created, password);
            state.State = created;
            await WriteStateAsync();
        }
        catch (Exception)
        {
            state.State = new UserState();
            foreach (var lookup in claimed)
            {
                await lookup.ReleaseAsync(id);
            }

            throw;
        }

        LogCreated(logger, id);
        return ToProfile();
    }

    public ValueTask<UserProfile> GetProfileAsync()
    {
        EnsureCreated();
        return ValueTask.FromResult(ToProfile());
    }

    public ValueTask<bool> ExistsAsync() => ValueTask.FromResult(S.Created);

    public async ValueTask<UserSession> SignInAsync(SignInCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var udid = Validate.Text(command.Udid, "udid", Validate.MaxUdidLength);
        if (!S.Created || string.IsNullOrEmpty(command.Password) || command.Password.Length > Validate.MaxPasswordLength)
        {
            throw new UnauthenticatedException("Wrong user or password.");
        }

        var userId = this.GetPrimaryKeyString();
        var verification = passwordHasher.VerifyHashedPassword(S, S.PasswordHash, command.Password);
        if (verification == PasswordVerificationResult.Failed)
        {
            LogSignInFailed(logger, userId);
            throw new UnauthenticatedException("Wrong user or password.");
        }

        if (verification == PasswordVerificationResult.SuccessRehashNeeded)
        {
            S.PasswordHash = passwordHasher.HashPassword(S, command.Password);
        }

        // One session per device: signing in again on the same udid replaces (revokes) the old session.
        var revoked = S.Sessions.Where(s => string.Equals(s.Value.Udid, udid, StringComparison.Ordinal)).Select(s => s.Key).ToList();
        var overflow = S.Sessions.Count - revoked.Count - (MaxSessions - 1);
        if (overflow > 0)
        {
            revoked.AddRange(S.Sessions.Where(s => !revoked.Contains(s.Key)).OrderBy(s => s.Value.CreatedAt).Take(overflow).Select(s => s.Key));
        }

        foreach (var revokedId in revoked)
        {
            S.Sessions.Remove(revokedId);
        }

        var now = timeProvider.GetUtcNow();
        var sessionId = Guid.NewGuid().ToString("N");
        var sessionState = new UserSessionState { Udid = udid, CreatedAt = now };
        var refreshToken = IssueRefreshToken(sessionId, sessionState, command.RefreshTokenLifetime);
        S.Sessions[sessionId] = sessionState;
        await WriteStateAsync();
        var session = ToSession(sessionId, sessionState, refreshToken);
        LogSignedIn(logger, userId, session.SessionId);

        foreach (var revokedId in revoked)
        {
            var notice = new SessionRevoked(userId, revokedId);
            await NotifyAsync(o => o.OnSessionRevokedAsync(notice));
        }

        return session;
    }

    public async ValueTask<bool> SignOutAsync(string sessionId)
    {
        if (string.IsNullOrEmpty(sessionId) || !S.Sessions.Remove(sessionId))
        {
            return false;
        }

        await WriteStateAsync();
        var userId = this.GetPrimaryKeyString();
        LogSignedOut(logger, userId, sessionId);
        var notice = new SessionRevoked(userId, sessionId);
        await NotifyAsync(o => o.OnSessionRevokedAsync(notice));
        return true;
    }

    public ValueTask<bool> IsSessionActiveAsync(string sessionId) =>
        ValueTask.FromResult(S.Created && sessionId is not null && S.Sessions.ContainsKey(sessionId));

    public async ValueTask<bool> JoinOrganizationAsync(string organizationId)
    {
        EnsureCreated();
        Validate.Id(organizationId, "organizationId");
        var joined = !S.Organizations.Contains(organizationId, StringComparer.Ordinal);
        if (joined)
        {
            S.Organizations.Add(organizationId);
            S.ListingPublished = false;
            await WriteStateAsync();
        }

        // Also when already joined: the organization's retry of a join whose publish failed finishes it here.
        await PublishListingAsync();
        return joined;
    }

    public ValueTask<bool> IsMemberOfAsync(string organizationId) =>
        ValueTask.FromResult(S.Created && S.Organizations.Contains(organizationId, StringComparer.Ordinal));

    public ValueTask DeliverCustomAsync(CustomMessageSent sent)
    {
        ArgumentNullException.ThrowIfNull(sent);

        // Nothing from a user I do not receive from (a privacy list), in a group either.
        return Silences(sent.Message.SenderId) ? ValueTask.CompletedTask : new(NotifyAsync(o => o.OnCustomMessageAsync(sent)));
    }

    public ValueTask DeliverTypingAsync(TypingChanged changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        return Silences(changed.UserId) ? ValueTask.CompletedTask : new(NotifyAsync(o => o.OnTypingChangedAsync(changed)));
    }

    public ValueTask SubscribeAsync(IUserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Subscribe(observer, observer);
        return ValueTask.CompletedTask;
    }

    public async ValueTask UnsubscribeAsync(IUserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Unsubscribe(observer);
        if (_hosts.Remove(observer.GetGrainId()))
        {
            await OnDevicesChangedAsync(timeProvider.GetUtcNow());
        }
    }

    /// <summary>
    /// Tells every subscribed Api host. The observer methods are one-way, so this never waits for a host; a call that
    /// fails at once drops its observer, and a host that stops renewing is dropped when its subscription expires.
    /// </summary>
    private Task NotifyAsync(Func<IUserObserver, ValueTask> notification) => _observers.Notify(o => notification(o).AsTask());

    /// <summary>Writes the account, sessions and organizations; the roster has rows of its own.</summary>
    private Task WriteStateAsync() => _writing = WriteAfterAsync(_writing);

    private async Task WriteAfterAsync(Task previous)
    {
        try
        {
            await previous;
        }
        catch (Exception)
        {
            // Its caller has the failure; this write stores the state as it is now.
        }

        _lastActiveUnsaved = false;

        // A write stores a change that the feed has yet to store: if this activation dies first, the next one must
        // know (see UserState.RosterMayBeStale).
        S.RosterMayBeStale = true;
        await state.WriteStateAsync();
        _staleMarkStored = S.RosterMayBeStale;
    }

    private void EnsureCreated()
    {
        if (!S.Created)
        {
            throw new NotFoundException($"User '{this.GetPrimaryKeyString()}' does not exist.");
        }
    }

    private void EnsureMember(string organizationId)
    {
        EnsureCreated();
        Validate.Id(organizationId, "organizationId");
        if (!S.Organizations.Contains(organizationId, StringComparer.Ordinal))
        {
            throw new PermissionDeniedException($"You are not a member of organization '{organizationId}'.");
        }
    }

    private UserProfile ToProfile() =>
        new(this.GetPrimaryKeyString(), S.Email, S.Phone, S.DisplayName, S.FirstName, S.LastName, [.. S.Organizations], S.CreatedAt,
            S.StatusText, S.AvatarUrl, new Dictionary<string, string>(S.PublicData), new Dictionary<string, string>(S.PrivateData));

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "User {UserId} created")]
    private static partial void LogCreated(ILogger logger, string userId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "User {UserId} signed in, session {SessionId}")]
    private static partial void LogSignedIn(ILogger logger, string userId, string sessionId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "User {UserId} signed out, session {SessionId}")]
    private static partial void LogSignedOut(ILogger logger, string userId, string sessionId);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Failed sign-in for user {UserId}")]
    private static partial void LogSignInFailed(ILogger logger, string userId);
}
