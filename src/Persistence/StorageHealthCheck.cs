using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orleans.Chat.Persistence;

/// <summary>Something the "storage" health check can ask to run a trivial query.</summary>
internal interface IStorageProbe
{
    ValueTask ProbeAsync(CancellationToken cancellationToken);
}

/// <summary>The "storage" health check: healthy when the configured store answers a trivial query.</summary>
internal sealed class StorageHealthCheck(IStorageProbe probe) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await probe.ProbeAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The store did not answer a trivial query.", exception);
        }
    }
}

internal sealed class InMemoryStorageProbe : IStorageProbe
{
    public ValueTask ProbeAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
