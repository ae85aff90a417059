using Azure.Data.Tables;

namespace Orleans.Chat.Persistence.AzureStorage;

/// <summary>Creates a table when missing, once for the process; a failed attempt is made again on the next call.</summary>
internal sealed class TableCreation(TableClient table)
{
    private readonly Lock _lock = new();
    private Task? _create;

    public Task EnsureAsync(CancellationToken cancellationToken)
    {
        var create = Volatile.Read(ref _create);
        if (create is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            if (_create is null || _create.IsFaulted || _create.IsCanceled)
            {
                // Not the caller's token: the creation is shared by every caller waiting for it.
                _create = table.CreateIfNotExistsAsync(CancellationToken.None);
            }

            return _create.WaitAsync(cancellationToken);
        }
    }
}
