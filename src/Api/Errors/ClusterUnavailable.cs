using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Orleans.Storage;

namespace Orleans.Chat.Api.Errors;

/// <summary>
/// Failures that say "the cluster could not answer now", not "your request is wrong": a grain call that timed out, a
/// silo that is gone or refused the message, a stale activation whose write lost. Clients get <c>unavailable</c> (503)
/// with <c>Retry-After</c>, and a retry with the same client message id is safe.
/// </summary>
internal static class ClusterUnavailable
{
    /// <summary>Seconds a client should wait before retrying.</summary>
    public const int RetryAfterSeconds = 1;

    public const string Detail = "The service could not answer in time; retry in a moment.";

    public static bool Is(Exception exception) => exception is TimeoutException
        or SiloUnavailableException
        or OrleansMessageRejectionException
        or InconsistentStateException
        or ClientNotAvailableException
        or ConnectionFailedException // An API host in client mode whose gateways are all down.
        // Orleans cancels a message that expired while its grain was being placed (a silo just died). A request the
        // client itself aborted ends the same way, and then nobody reads the answer.
        or OperationCanceledException;
}
