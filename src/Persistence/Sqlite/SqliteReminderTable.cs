using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Sqlite;

internal sealed class SqliteReminderTable(SqliteStore store) : IReminderTable
{
    public async Task<IReadOnlyList<ReminderEntry>> ReadAllRowsAsync(CancellationToken cancellationToken = default) =>
        await store.ReadAsync(0, static (session, _) => SqliteSql.ReadReminders(session.Command(SqliteSql.ReadAllReminders)), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(GrainId grainId, CancellationToken cancellationToken = default) =>
        await store.ReadAsync(
            grainId,
            static (session, grainId) =>
            {
                var command = session.Command(SqliteSql.ReadGrainReminders);
                command.Parameters.AddWithValue("@type", grainId.Type);
                command.Parameters.AddWithValue("@key", grainId.Key);
                return SqliteSql.ReadReminders(command);
            },
            cancellationToken).ConfigureAwait(false);

    public async Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken = default) =>
        await store.ReadAsync(
            (grainId, reminderName),
            static (session, key) =>
            {
                var command = session.Command(SqliteSql.ReadReminder);
                command.Parameters.AddWithValue("@type", key.grainId.Type);
                command.Parameters.AddWithValue("@key", key.grainId.Key);
                command.Parameters.AddWithValue("@name", key.reminderName);
                return SqliteSql.ReadReminders(command) is [var row] ? row : null;
            },
            cancellationToken).ConfigureAwait(false);

    public Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken = default) =>
        store.WriteAsync(new ReminderUpsert(entry, Guid.NewGuid().ToString("N"), cancellationToken));

    public Task<bool> RemoveRowAsync(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken = default) =>
        store.WriteAsync(new ReminderRemove(grainId, reminderName, eTag, cancellationToken));
}
