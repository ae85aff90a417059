using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orleans.Runtime;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>Every SQL statement of the SQLite store; values always go in as parameters.</summary>
internal static class SqliteSql
{
    private const string StateKey = "state_name = @state AND grain_type = @type AND grain_key = @key";

    public const string ReadState = $"SELECT version, data FROM grain_state WHERE {StateKey} AND data IS NOT NULL";

    public const string CurrentStateVersion = $"SELECT version FROM grain_state WHERE {StateKey} AND data IS NOT NULL";

    // A cleared record stays as a tombstone (data NULL) with its version, so an ETag from before the clear never matches again.
    public const string InsertState = """
        INSERT INTO grain_state (state_name, grain_type, grain_key, version, data) VALUES (@state, @type, @key, 1, @data)
        ON CONFLICT (state_name, grain_type, grain_key) DO UPDATE SET version = grain_state.version + 1, data = excluded.data
        WHERE grain_state.data IS NULL
        RETURNING version
        """;

    public const string UpdateState = $"UPDATE grain_state SET version = version + 1, data = @data WHERE {StateKey} AND version = @version AND data IS NOT NULL RETURNING version";

    public const string ClearState = $"UPDATE grain_state SET version = version + 1, data = NULL WHERE {StateKey} AND version = @version AND data IS NOT NULL RETURNING version";

    private const string ReminderColumns = "grain_type, grain_key, reminder_name, start_at_ticks, period_ticks, etag";

    /// <summary>Orleans' hash ranges: (begin, end] when begin &lt; end, else the range wraps around (begin, max] and [0, end].</summary>
    public const string ReadReminderRange = $"SELECT {ReminderColumns} FROM reminders WHERE grain_hash > @begin AND grain_hash <= @end";

    public const string ReadReminderWrappedRange = $"SELECT {ReminderColumns} FROM reminders WHERE grain_hash > @begin OR grain_hash <= @end";

    public const string ClearReminders = "DELETE FROM reminders";

    public const string ReadGrainReminders = $"SELECT {ReminderColumns} FROM reminders WHERE grain_type = @type AND grain_key = @key";

    public const string ReadReminder = $"SELECT {ReminderColumns} FROM reminders WHERE grain_type = @type AND grain_key = @key AND reminder_name = @name";

    public const string UpsertReminder = $"""
        INSERT INTO reminders ({ReminderColumns}, grain_hash) VALUES (@type, @key, @name, @start, @period, @etag, @hash)
        ON CONFLICT (grain_type, grain_key, reminder_name) DO UPDATE SET start_at_ticks = excluded.start_at_ticks, period_ticks = excluded.period_ticks, etag = excluded.etag
        """;

    public const string RemoveReminder = "DELETE FROM reminders WHERE grain_type = @type AND grain_key = @key AND reminder_name = @name AND etag = @etag";

    private const string LogColumns = "log_id, seq, entry_id, idempotency_key, author_id, timestamp_ticks, payload, high_priority, counted";

    public const string AppendToJournal = $"INSERT INTO message_journal ({LogColumns}) VALUES (@log, @seq, @id, @key, @author, @ts, @payload, @high, @counted) RETURNING id";

    /// <summary>Rewrites an entry of message_log in place, if the entry at that sequence has that id.</summary>
    public const string ReviseLogEntry = "UPDATE message_log SET payload = @payload, counted = @counted WHERE log_id = @log AND seq = @seq AND entry_id = @id";

    /// <summary>Rewrites a journal row in place (found by its id: the journal has no other index), if it holds that entry.</summary>
    public const string ReviseJournalRow = "UPDATE message_journal SET payload = @payload, counted = @counted WHERE id = @row AND entry_id = @id";

    public const string SequenceExists = "SELECT EXISTS (SELECT 1 FROM message_log WHERE log_id = @log AND seq = @seq)";

    /// <summary>
    /// Copies the journal rows whose ids are in the JSON array @ids into message_log, sorted so that rows of one log land
    /// on the same pages, and trims the journal below @trim (every row there is in message_log by now). Rows are not
    /// deleted one by one: they are scattered over the journal's pages, and deleting them would rewrite all of those pages.
    /// </summary>
    public const string CheckpointJournal = $"""
        INSERT INTO message_log ({LogColumns}) SELECT {LogColumns} FROM message_journal WHERE id IN (SELECT value FROM json_each(@ids)) ORDER BY log_id, seq;
        DELETE FROM message_journal WHERE id < @trim;
        """;

    /// <summary>Moves the whole journal into message_log (at open and close); rows a checkpoint already copied are skipped.</summary>
    public const string CheckpointWholeJournal = $"""
        INSERT INTO message_log ({LogColumns}) SELECT {LogColumns} FROM message_journal WHERE true ORDER BY log_id, seq ON CONFLICT DO NOTHING;
        DELETE FROM message_journal;
        """;

    public const string ReadJournal = $"SELECT {LogColumns} FROM message_journal WHERE id IN (SELECT value FROM json_each(@ids)) ORDER BY seq";

    public const string ReadForward = $"SELECT {LogColumns} FROM message_log WHERE log_id = @log AND seq > @from ORDER BY seq LIMIT @limit";

    public const string ReadBackward = $"SELECT {LogColumns} FROM message_log WHERE log_id = @log AND seq < @from ORDER BY seq DESC LIMIT @limit";

    public const string FindEntryById = $"SELECT {LogColumns} FROM message_log WHERE log_id = @log AND entry_id = @id ORDER BY seq LIMIT 1";

    public const string FindEntryByKey = $"SELECT {LogColumns} FROM message_log WHERE log_id = @log AND idempotency_key = @key";

    public const string LastSequence = "SELECT COALESCE(MAX(seq), 0) FROM message_log WHERE log_id = @log";

    /// <summary>The counted entries in the range by another author, and how many of them are high priority (0 or 1 each).</summary>
    public const string Count = "SELECT COUNT(*), COALESCE(SUM(high_priority), 0) FROM message_log WHERE log_id = @log AND seq > @after AND seq <= @upTo AND counted = 1 AND (@authors IS NULL OR author_id NOT IN (SELECT value FROM json_each(@authors)))";

    public const string ReadRoster = "SELECT conversation_id, revision, payload FROM roster WHERE user_id = @user";

    /// <summary>A JSON array of the values, for a query that opens it with <c>json_each</c> (one parameter, however many).</summary>
    public static string JsonArray(IEnumerable<string> values)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A row replaces the stored one only when its revision is at least the stored one; otherwise nothing changes.</summary>
    public const string UpsertRosterRow = """
        INSERT INTO roster (user_id, conversation_id, revision, payload) VALUES (@user, @conversation, @revision, @payload)
        ON CONFLICT (user_id, conversation_id) DO UPDATE SET revision = excluded.revision, payload = excluded.payload
        WHERE roster.revision <= excluded.revision
        """;

    public static long? CurrentVersion(SqliteSession session, string stateName, GrainKey grainId)
    {
        var command = session.Command(CurrentStateVersion);
        SqliteStore.AddStateKey(command, stateName, grainId);
        return command.ExecuteScalar() is { } value ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    public static bool ContainsSequence(SqliteSession session, string logId, long sequence)
    {
        var command = session.Command(SequenceExists);
        command.Parameters.AddWithValue("@log", logId);
        command.Parameters.AddWithValue("@seq", sequence);
        return (long)command.ExecuteScalar()! != 0;
    }

    public static LogEntry? FindByIdempotencyKey(SqliteSession session, string logId, string idempotencyKey)
    {
        var command = session.Command(FindEntryByKey);
        command.Parameters.AddWithValue("@log", logId);
        command.Parameters.AddWithValue("@key", idempotencyKey);
        return ReadEntries(command, 1) is [var entry] ? entry : null;
    }

    /// <summary>The journal rows with these ids that are still in the table, in ascending sequence order.</summary>
    public static LogEntry[] ReadJournalRows(SqliteSession session, IReadOnlyCollection<long> ids)
    {
        var command = session.Command(ReadJournal);
        command.Parameters.AddWithValue("@ids", "[" + string.Join(',', ids) + "]");
        return [.. ReadEntries(command, ids.Count)];
    }

    public static List<LogEntry> ReadEntries(SqliteCommand command, int capacity)
    {
        var entries = new List<LogEntry>(Math.Min(capacity, 1024));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new LogEntry(
                reader.GetString(0),
                reader.GetInt64(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                reader.GetString(6),
                reader.GetBoolean(7),
                reader.GetBoolean(8)));
        }

        return entries;
    }

    public static List<ReminderEntry> ReadReminders(SqliteCommand command)
    {
        var entries = new List<ReminderEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new ReminderEntry
            {
                GrainId = new GrainKey(reader.GetString(0), reader.GetString(1)).ToGrainId(),
                ReminderName = reader.GetString(2),
                StartAt = new DateTime(reader.GetInt64(3), DateTimeKind.Utc),
                Period = TimeSpan.FromTicks(reader.GetInt64(4)),
                ETag = reader.GetString(5),
            });
        }

        return entries;
    }
}
