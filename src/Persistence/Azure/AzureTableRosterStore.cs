using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Orleans.Chat.Persistence.AzureStorage;

/// <summary>
/// Rosters on Azure Table Storage (table <see cref="AzureStorageOptions.RosterTableName"/>): a partition per user, a row
/// per conversation, with the properties <c>Revision</c> (Int64) and <c>Payload</c>; keys are escaped and payloads
/// chunked as in <see cref="AzureTableRows"/>. Ours because neither Orleans nor the Tables client has a store of rows
/// guarded by a revision.
/// <para>
/// The service has no "replace if the stored revision is lower", so the guard is optimistic: read the stored revisions
/// and ETags of the rows, then write in entity-group transactions Add for a missing row, UpdateReplace under its ETag for
/// a row with a lower or equal revision, and nothing for a row with a higher one. When another writer changed a row in
/// between, the service refuses the transaction (409, 412 or 404) and nothing of it is written: read again, plan again.
/// </para>
/// <para>
/// A transaction holds at most 100 operations and 4 MiB, so a write of more rows is several transactions, committed
/// one after another, and is not atomic: when one fails, the rows of those before it stay written (each row whole, and
/// never over a higher revision). A write of up to 100 small rows is one transaction, all or nothing.
/// </para>
/// </summary>
internal sealed partial class AzureTableRosterStore : IRosterStore
{
    public const string Revision = "Revision";

    /// <summary>How often other writers may change the rows under one write before it fails.</summary>
    private const int MaxConflicts = 16;

    /// <summary>A filter may hold 15 comparisons (Azure's limit): the partition's and 14 row keys.</summary>
    private const int MaxRowKeysPerFilter = 14;

    private readonly TableClient _table;
    private readonly TableCreation _creation;
    private readonly ILogger _logger;

    public AzureTableRosterStore(IOptions<AzureStorageOptions> options, ILogger<AzureTableRosterStore>? logger = null)
    {
        var settings = options.Value;
        _table = new TableServiceClient(settings.ConnectionString).GetTableClient(settings.RosterTableName);
        _creation = new TableCreation(_table);
        _logger = logger ?? NullLogger<AzureTableRosterStore>.Instance;
    }

    /// <summary>The table's name.</summary>
    public string TableName => _table.Name;

    /// <summary>Creates the table when missing (once; a failed attempt is retried on the next call).</summary>
    public Task CreateTableAsync(CancellationToken cancellationToken = default) => _creation.EnsureAsync(cancellationToken);

    public async ValueTask<IReadOnlyList<RosterRow>> ReadAsync(string userId, CancellationToken cancellationToken = default)
    {
        await CreateTableAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {AzureTableRows.EscapeKey(userId)}");
        var rows = new List<RosterRow>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1_000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new RosterRow(AzureTableRows.UnescapeKey(entity.RowKey), RevisionOf(entity), AzureTableRows.GetPayload(entity)));
        }

        return rows;
    }

    public async ValueTask WriteAsync(string userId, IReadOnlyList<RosterRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            if (row.Payload.Length > AzureTableRows.MaxPayloadLength)
            {
                throw new ArgumentException(
                    $"The payload of conversation '{row.ConversationId}' has {row.Payload.Length} characters; an Azure Table entity holds at most {AzureTableRows.MaxPayloadLength}.",
                    nameof(rows));
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        await CreateTableAsync(cancellationToken).ConfigureAwait(false);
        var partitionKey = AzureTableRows.EscapeKey(userId);
        var pending = RosterRows.LastPerConversation(rows).ToDictionary(row => AzureTableRows.EscapeKey(row.ConversationId), StringComparer.Ordinal);
        var conflicts = 0;
        while (pending.Count > 0)
        {
            var stored = await ReadStoredAsync(partitionKey, pending.Keys, cancellationToken).ConfigureAwait(false);
            foreach (var (rowKey, current) in stored)
            {
                if (pending.TryGetValue(rowKey, out var row) && current.Revision > row.Revision)
                {
                    pending.Remove(rowKey); // a higher revision is stored: this row is skipped
                }
            }

            try
            {
                foreach (var transaction in Transactions(partitionKey, pending, stored))
                {
                    await _table.SubmitTransactionAsync(transaction, cancellationToken).ConfigureAwait(false);
                    foreach (var action in transaction)
                    {
                        pending.Remove(action.Entity.RowKey);
                    }
                }
            }
            catch (RequestFailedException exception) when (exception.Status is 404 or 409 or 412)
            {
                // A row was added, replaced or removed since it was read; nothing of the refused transaction was written.
                if (++conflicts > MaxConflicts)
                {
                    throw;
                }

                LogConflict(_logger, userId, exception.Status, conflicts);
            }
        }
    }

    /// <summary>The stored revision and ETag of the rows that exist among <paramref name="rowKeys"/> (and maybe of others).</summary>
    private async Task<Dictionary<string, (long Revision, ETag ETag)>> ReadStoredAsync(string partitionKey, Dictionary<string, RosterRow>.KeyCollection rowKeys, CancellationToken cancellationToken)
    {
        // A few rows: a filter that names them; more: the whole partition, without the payloads.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}");
        if (rowKeys.Count <= MaxRowKeysPerFilter)
        {
            filter += " and (" + string.Join(" or ", rowKeys.Select(rowKey => TableClient.CreateQueryFilter($"RowKey eq {rowKey}"))) + ")";
        }

        var stored = new Dictionary<string, (long, ETag)>(StringComparer.Ordinal);
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1_000, select: ["RowKey", Revision], cancellationToken).ConfigureAwait(false))
        {
            stored[entity.RowKey] = (RevisionOf(entity), entity.ETag);
        }

        return stored;
    }

    /// <summary>The rows' operations, in transactions within Azure's limits of operations and request size.</summary>
    private static List<List<TableTransactionAction>> Transactions(string partitionKey, Dictionary<string, RosterRow> rows, Dictionary<string, (long Revision, ETag ETag)> stored)
    {
        var transactions = new List<List<TableTransactionAction>>();
        List<TableTransactionAction>? transaction = null;
        var bytes = 0L;
        foreach (var (rowKey, row) in rows)
        {
            var entity = new TableEntity(partitionKey, rowKey) { [Revision] = row.Revision };
            AzureTableRows.SetPayload(entity, row.Payload);

            // The keys go in the operation's URL (escaped) and in its body.
            var size = 1_024 + (3 * (AzureTableRows.EstimateJsonBytes(partitionKey) + AzureTableRows.EstimateJsonBytes(rowKey))) + AzureTableRows.EstimateJsonBytes(row.Payload);
            if (transaction is null
                || transaction.Count == AzureTableRows.MaxOperationsPerTransaction
                || bytes + size > AzureTableRows.MaxTransactionBytes)
            {
                transaction = [];
                transactions.Add(transaction);
                bytes = 0;
            }

            transaction.Add(stored.TryGetValue(rowKey, out var current)
                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, current.ETag)
                : new TableTransactionAction(TableTransactionActionType.Add, entity));
            bytes += size;
        }

        return transactions;
    }

    private static long RevisionOf(TableEntity entity) =>
        entity.GetInt64(Revision)
            ?? throw new InvalidOperationException($"Row '{entity.RowKey}' of partition '{entity.PartitionKey}' has no {Revision}: it is not a roster row.");

    [LoggerMessage(EventId = 1311, Level = LogLevel.Debug, Message = "Azure Table roster of {UserId}: another writer changed its rows ({Status}); reading them again, attempt {Attempt}")]
    private static partial void LogConflict(ILogger logger, string userId, int status, int attempt);
}
