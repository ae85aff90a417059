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
    ];
}
