using Orleans.Chat.Persistence.GroupCommit;

namespace Orleans.Chat.Persistence.Postgres;

/// <summary>
/// Rosters on PostgreSQL, table <c>roster</c>. A write is one <see cref="RosterWrite"/> through the store's group-commit
/// writers (a user always in the same partition, so a user's writes stay in order): one upsert statement in the batch's
/// transaction, answered only after its COMMIT. Ours because Orleans has no store of rows guarded by a revision.
/// </summary>
internal sealed class PostgresRosterStore(PostgresStore store) : IRosterStore
{
    public async ValueTask<IReadOnlyList<RosterRow>> ReadAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(PostgresSql.ReadRoster, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<RosterRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new RosterRow(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
        }

        return rows;
    }

    public async ValueTask WriteAsync(string userId, IReadOnlyList<RosterRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count > 0)
        {
            await store.WriteAsync(new RosterWrite(userId, rows, cancellationToken)).ConfigureAwait(false);
        }
    }
}
