namespace Orleans.Chat.Persistence.Postgres;

/// <summary>
/// Versioned schema: migration <c>i</c> (1-based) is applied once and recorded in <c>schema_migrations</c>, all under an
/// advisory lock so that processes starting together never race. Append new migrations; never edit one that has shipped.
/// </summary>
internal static class PostgresSchema
{
    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE grain_state (
            state_name text NOT NULL,
            grain_type text NOT NULL,
            grain_key text NOT NULL,
            version bigint NOT NULL,
            data bytea NULL,
            PRIMARY KEY (state_name, grain_type, grain_key)
        );

        CREATE TABLE reminders (
            grain_type text NOT NULL,
            grain_key text NOT NULL,
            reminder_name text NOT NULL,
            start_at_ticks bigint NOT NULL,
            period_ticks bigint NOT NULL,
            etag text NOT NULL,
            PRIMARY KEY (grain_type, grain_key, reminder_name)
        );

        CREATE TABLE message_log (
            log_id text NOT NULL,
            seq bigint NOT NULL,
            entry_id text NOT NULL,
            idempotency_key text NULL,
            author_id text NOT NULL,
            timestamp_ticks bigint NOT NULL,
            payload text NOT NULL,
            PRIMARY KEY (log_id, seq)
        );

        CREATE UNIQUE INDEX ux_message_log_idempotency ON message_log (log_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX ix_message_log_entry ON message_log (log_id, entry_id);
        """,

        // 2: reminders move to Orleans' ADO.NET reminder provider (Microsoft.Orleans.Reminders.AdoNet, invariant "Npgsql"),
        // which ships no SQL. This implements its documented contract: at start it reads every row of
        // `SELECT QueryKey, QueryText FROM OrleansQuery` (unquoted, so our lower-case orleansquery) and fails unless all seven
        // reminder keys below are present; it binds @ServiceId, @GrainId, @ReminderName, @StartTime (UTC), @Period
        // (milliseconds, int or bigint), @GrainHash/@BeginHash/@EndHash (the uint hash cast to a signed int) and @Version (the
        // etag as an int); and it reads the columns GrainId, ReminderName, StartTime, Period and Version by name. Range
        // reads return the hashes in (begin, end] on the ring: the provider asks for key 1 when (int)begin < (int)end and for
        // key 2 (the wrap-around) otherwise, and comparing the signed grain_hash that way gives the same ring as uint.
        // The provider's connection must have this schema on its search_path (Search Path=<schema>).
        """
        DROP TABLE IF EXISTS reminders;

        CREATE TABLE orleansquery (
            querykey text NOT NULL PRIMARY KEY,
            querytext text NOT NULL
        );

        CREATE TABLE orleans_reminders (
            service_id text NOT NULL,
            grain_id text NOT NULL,
            reminder_name text NOT NULL,
            start_time timestamptz NOT NULL,
            period_ms bigint NOT NULL,
            grain_hash integer NOT NULL,
            version integer NOT NULL,
            PRIMARY KEY (service_id, grain_id, reminder_name)
        );

        CREATE INDEX ix_orleans_reminders_hash ON orleans_reminders (service_id, grain_hash);

        INSERT INTO orleansquery (querykey, querytext) VALUES
        ('UpsertReminderRowKey', $sql$
            INSERT INTO orleans_reminders AS r (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
            VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
                SET start_time = excluded.start_time, period_ms = excluded.period_ms, grain_hash = excluded.grain_hash, version = r.version + 1
            RETURNING r.version AS "Version"
        $sql$),
        ('ReadReminderRowsKey', $sql$
            SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period_ms AS "Period", version AS "Version"
            FROM orleans_reminders
            WHERE service_id = @ServiceId AND grain_id = @GrainId
        $sql$),
        ('ReadReminderRowKey', $sql$
            SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period_ms AS "Period", version AS "Version"
            FROM orleans_reminders
            WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
        $sql$),
        ('ReadRangeRows1Key', $sql$
            SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period_ms AS "Period", version AS "Version"
            FROM orleans_reminders
            WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
        $sql$),
        ('ReadRangeRows2Key', $sql$
            SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period_ms AS "Period", version AS "Version"
            FROM orleans_reminders
            WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
        $sql$),
        ('DeleteReminderRowKey', $sql$
            WITH deleted AS (
                DELETE FROM orleans_reminders
                WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM deleted) AS "Deleted"
        $sql$),
        ('DeleteReminderRowsKey', $sql$
            DELETE FROM orleans_reminders WHERE service_id = @ServiceId
        $sql$);
        """,
    ];
}
