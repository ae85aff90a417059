using Orleans.Chat.Persistence.GroupCommit;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>
/// Rosters on SQLite, table <c>roster</c>. A write is one <see cref="RosterWrite"/> through the store's group-commit
/// writer, so it commits in the same transaction as whatever else is pending (grain state, log appends), and is
/// answered only after that commit. Ours because Orleans has no store of rows guarded by a revision.
/// </summary>
internal sealed class SqliteRosterStore(SqliteStore store) : IRosterStore
{
    public ValueTask<IReadOnlyList<RosterRow>> ReadAsync(string userId, CancellationToken cancellationToken = default) =>
        store.ReadAsync<string, IReadOnlyList<RosterRow>>(
            userId,
            static (session, user) =>
            {
                var command = session.Command(SqliteSql.ReadRoster);
                command.Parameters.AddWithValue("@user", user);
                using var reader = command.ExecuteReader();
                var rows = new List<RosterRow>();
                while (reader.Read())
                {
                    rows.Add(new RosterRow(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
                }

                return rows;
            },
            cancellationToken);

    public async ValueTask WriteAsync(string userId, IReadOnlyList<RosterRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count > 0)
        {
            await store.WriteAsync(new RosterWrite(userId, rows, cancellationToken)).ConfigureAwait(false);
        }
    }
}
