using Npgsql;
using NpgsqlTypes;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Postgres;

/// <summary>Every SQL statement of the PostgreSQL store, with positional parameters ($1, $2, ...).</summary>
internal static class PostgresSql
{
    private const string StateKey = "state_name = $1 AND grain_type = $2 AND grain_key = $3";

    public const string ReadState = $"SELECT version, data FROM grain_state WHERE {StateKey} AND data IS NOT NULL";

    /// <summary>Returns a row when the state is live (a conflict for "clear a record I believe absent").</summary>
    public const string CurrentStateVersion = $"SELECT version FROM grain_state WHERE {StateKey} AND data IS NOT NULL";

    // A cleared record stays as a tombstone (data NULL) with its version, so an ETag from before the clear never matches again.
    public const string InsertState = """
        INSERT INTO grain_state (state_name, grain_type, grain_key, version, data) VALUES ($1, $2, $3, 1, $4)
        ON CONFLICT (state_name, grain_type, grain_key) DO UPDATE SET version = grain_state.version + 1, data = excluded.data
        WHERE grain_state.data IS NULL
        RETURNING version
        """;

    public const string UpdateState = $"UPDATE grain_state SET version = version + 1, data = $4 WHERE {StateKey} AND version = $5 AND data IS NOT NULL RETURNING version";

    public const string ClearState = $"UPDATE grain_state SET version = version + 1, data = NULL WHERE {StateKey} AND version = $4 AND data IS NOT NULL RETURNING version";

    private const string LogColumns = "log_id, seq, entry_id, idempotency_key, author_id, timestamp_ticks, payload, high_priority, counted";

    /// <summary>
    /// Many appends in one statement, at most one per log (the writer puts a log's further appends of the batch in the
    /// next statements, in order); returns the (log, sequence) of each row inserted. One sortNumber, always: a row goes
    /// in only if its sequence is its log's last + 1 (one index lookup on the primary key, MAX), so a taken sequence or a
    /// gap inserts nothing and raises no error, and the other rows and the transaction go on; a retry (its idempotency key
    /// is stored) is skipped by ON CONFLICT. What each row that inserted nothing gets is found after the commit.
    /// (Answering retries in the same statement, with a join on the idempotency index, measured twice as slow; retries
    /// are rare, so they are read after the commit.)
    /// </summary>
    public const string AppendEntries = $"""
        INSERT INTO message_log ({LogColumns})
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::boolean[], $9::boolean[]) AS i ({LogColumns})
        WHERE i.seq = (SELECT COALESCE(MAX(m.seq), 0) + 1 FROM message_log m WHERE m.log_id = i.log_id)
        ON CONFLICT DO NOTHING
        RETURNING log_id, seq
        """;

    /// <summary>
    /// Rewrites an entry in place if the entry at that sequence has that id; returns a row when it did (so, like every
    /// single write of a batch, at most one).
    /// </summary>
    public const string ReviseEntry = "UPDATE message_log SET payload = $4, counted = $5 WHERE log_id = $1 AND seq = $2 AND entry_id = $3 RETURNING 1";

    /// <summary>The last sequence of each log (0 for an empty one), for the error of an append that inserted nothing.</summary>
    public const string LastSequences = """
        SELECT l.log_id, COALESCE((SELECT MAX(m.seq) FROM message_log m WHERE m.log_id = l.log_id), 0)
        FROM unnest($1::text[]) AS l (log_id)
        """;

    public const string FindEntriesByKeys = $"""
        SELECT {LogColumns} FROM message_log
        WHERE (log_id, idempotency_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))
        """;

    public const string ReadForward = $"SELECT {LogColumns} FROM message_log WHERE log_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";

    public const string ReadBackward = $"SELECT {LogColumns} FROM message_log WHERE log_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3";

    public const string FindEntryById = $"SELECT {LogColumns} FROM message_log WHERE log_id = $1 AND entry_id = $2 ORDER BY seq LIMIT 1";

    public const string FindEntryByKey = $"SELECT {LogColumns} FROM message_log WHERE log_id = $1 AND idempotency_key = $2";

    public const string LastSequence = "SELECT COALESCE(MAX(seq), 0) FROM message_log WHERE log_id = $1";

    /// <summary>The counted entries in the range by another author, and how many of them are high priority.</summary>
    public const string Count = "SELECT COUNT(*), COUNT(*) FILTER (WHERE high_priority) FROM message_log WHERE log_id = $1 AND seq > $2 AND seq <= $3 AND counted AND ($4::text[] IS NULL OR author_id <> ALL($4))";

    public const string ReadRoster = "SELECT conversation_id, revision, payload FROM roster WHERE user_id = $1";

    /// <summary>
    /// A user's rows in one statement (at most one per conversation: an upsert may touch a row once). A row replaces the
    /// stored one only when its revision is at least the stored one; otherwise nothing changes and nothing fails. Returns
    /// one row, the number of rows written, as every single-write command of a batch returns at most one.
    /// </summary>
    public const string UpsertRoster = """
        WITH written AS (
            INSERT INTO roster (user_id, conversation_id, revision, payload)
            SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[])
            ON CONFLICT (user_id, conversation_id) DO UPDATE SET revision = excluded.revision, payload = excluded.payload
            WHERE roster.revision <= excluded.revision
            RETURNING 1)
        SELECT COUNT(*) FROM written
        """;

    public static void AddStateKey(NpgsqlParameterCollection parameters, string stateName, GrainKey grainId)
    {
        parameters.Add(Text(stateName));
        parameters.Add(Text(grainId.Type));
        parameters.Add(Text(grainId.Key));
    }

    public static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    /// <summary>A text[] parameter; null (or nothing) is SQL NULL.</summary>
    public static NpgsqlParameter TextArray(IReadOnlyCollection<string>? values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = values is { Count: > 0 } ? values.ToArray() : DBNull.Value };

    public static NpgsqlParameter<long> Bigint(long value) => new() { TypedValue = value };

    public static NpgsqlParameter<int> Integer(int value) => new() { TypedValue = value };

    public static LogEntry ReadEntry(NpgsqlDataReader reader, int first = 0) =>
        new(
            reader.GetString(first),
            reader.GetInt64(first + 1),
            reader.GetString(first + 2),
            reader.IsDBNull(first + 3) ? null : reader.GetString(first + 3),
            reader.GetString(first + 4),
            new DateTimeOffset(reader.GetInt64(first + 5), TimeSpan.Zero),
            reader.GetString(first + 6),
            reader.GetBoolean(first + 7),
            reader.GetBoolean(first + 8));

}
