using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Runtime;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>
/// Orleans' reminder table on the SQLite file, so that the embedded server keeps its reminders across restarts with
/// no other service. Written by hand because no Orleans provider targets SQLite; writes go through the store's group
/// commit like everything else, and an ETag that no longer matches removes nothing.
/// </summary>
internal sealed class SqliteReminderTable(SqliteStore store) : IReminderTable
{
    public async Task<ReminderTableData> ReadRows(GrainId grainId) =>
        new(await store.ReadAsync(
            GrainKey.Of(grainId),
            static (session, grain) =>
            {
                var command = session.Command(SqliteSql.ReadGrainReminders);
                command.Parameters.AddWithValue("@type", grain.Type);
                command.Parameters.AddWithValue("@key", grain.Key);
                return SqliteSql.ReadReminders(command);
            },
            CancellationToken.None).ConfigureAwait(false));

    public async Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        new(await store.ReadAsync(
            (begin, end),
            static (session, range) =>
            {
                var command = session.Command(range.begin < range.end ? SqliteSql.ReadReminderRange : SqliteSql.ReadReminderWrappedRange);
                command.Parameters.AddWithValue("@begin", (long)range.begin);
                command.Parameters.AddWithValue("@end", (long)range.end);
                return SqliteSql.ReadReminders(command);
            },
            CancellationToken.None).ConfigureAwait(false));

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        await store.ReadAsync(
            (grain: GrainKey.Of(grainId), reminderName),
            static (session, key) =>
            {
                var command = session.Command(SqliteSql.ReadReminder);
                command.Parameters.AddWithValue("@type", key.grain.Type);
                command.Parameters.AddWithValue("@key", key.grain.Key);
                command.Parameters.AddWithValue("@name", key.reminderName);
                return SqliteSql.ReadReminders(command) is [var row] ? row : null;
            },
            CancellationToken.None).ConfigureAwait(false);

    public async Task<string?> UpsertRow(ReminderEntry entry) =>
        await store.WriteAsync(new ReminderUpsert(
            GrainKey.Of(entry.GrainId),
            entry.GrainId.GetUniformHashCode(),
            entry.ReminderName,
            entry.StartAt,
            entry.Period,
            Guid.NewGuid().ToString("N"),
            CancellationToken.None)).ConfigureAwait(false);

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        store.WriteAsync(new ReminderRemove(GrainKey.Of(grainId), reminderName, eTag, CancellationToken.None));

    public Task TestOnlyClearTable() => store.WriteAsync(new RemindersClear(CancellationToken.None));
}
