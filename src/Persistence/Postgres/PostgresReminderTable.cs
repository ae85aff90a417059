using Npgsql;
using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Postgres;

internal sealed class PostgresReminderTable(PostgresStore store) : IReminderTable
{
    public async Task<IReadOnlyList<ReminderEntry>> ReadAllRowsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(PostgresSql.ReadAllReminders, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(PostgresSql.ReadGrainReminders, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(grainId.Type));
        command.Parameters.Add(PostgresSql.Text(grainId.Key));
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(PostgresSql.ReadReminder, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(grainId.Type));
        command.Parameters.Add(PostgresSql.Text(grainId.Key));
        command.Parameters.Add(PostgresSql.Text(reminderName));
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false) is [var row] ? row : null;
    }

    public Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken = default) =>
        store.WriteAsync(new ReminderUpsert(entry, Guid.NewGuid().ToString("N"), cancellationToken));

    public Task<bool> RemoveRowAsync(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken = default) =>
        store.WriteAsync(new ReminderRemove(grainId, reminderName, eTag, cancellationToken));

    private static async Task<List<ReminderEntry>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(PostgresSql.ReadReminderRow(reader));
        }

        return rows;
    }
}
