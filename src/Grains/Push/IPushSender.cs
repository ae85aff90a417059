using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Push;

/// <summary>Sends one push to one device's push service (or an operator's relay). Thread-safe: the dispatcher sends many at once.</summary>
public interface IPushSender
{
    /// <summary>Sends it once; the dispatcher retries on <see cref="PushOutcome.Retry"/> (and on an exception).</summary>
    ValueTask<PushOutcome> SendAsync(PushNotification push, CancellationToken cancellationToken = default);
}

/// <summary>Which <see cref="IPushSender"/> sends a provider's tokens (the <c>Push:Sender</c> routing).</summary>
public interface IPushRouter
{
    IPushSender For(PushProvider provider);
}

/// <summary>What a push service answered.</summary>
public enum PushOutcome
{
    /// <summary>Accepted.</summary>
    Sent,

    /// <summary>Not now (a timeout, a 5xx, too many requests): worth another try after a while.</summary>
    Retry,

    /// <summary>The token is gone for good (unregistered, expired subscription): its device's registration is dropped.</summary>
    DeadToken,

    /// <summary>Refused for a reason another try will not change (a 4xx other than a dead token): given up.</summary>
    Failed,
}
