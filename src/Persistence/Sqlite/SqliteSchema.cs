namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>
/// Versioned schema: migration <c>i</c> takes the database from <c>PRAGMA user_version = i</c> to <c>i + 1</c>.
/// Append new migrations; never edit one that has shipped.
/// </summary>
internal static class SqliteSchema
{
    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE grain_state (
            state_name TEXT NOT NULL,
            grain_type TEXT NOT NULL,
            grain_key TEXT NOT NULL,
            version INTEGER NOT NULL,
            data BLOB NULL,
            PRIMARY KEY (state_name, grain_type, grain_key)
        ) WITHOUT ROWID;

        CREATE TABLE reminders (
            grain_type TEXT NOT NULL,
            grain_key TEXT NOT NULL,
            reminder_name TEXT NOT NULL,
            start_at_ticks INTEGER NOT NULL,
            period_ticks INTEGER NOT NULL,
            etag TEXT NOT NULL,
            PRIMARY KEY (grain_type, grain_key, reminder_name)
        ) WITHOUT ROWID;

        CREATE TABLE message_log (
            log_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            entry_id TEXT NOT NULL,
            idempotency_key TEXT NULL,
            author_id TEXT NOT NULL,
            timestamp_ticks INTEGER NOT NULL,
            payload TEXT NOT NULL,
            PRIMARY KEY (log_id, seq)
        ) WITHOUT ROWID;

        CREATE UNIQUE INDEX ux_message_log_idempotency ON message_log (log_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX ix_message_log_entry ON message_log (log_id, entry_id);
        """,
        """
        CREATE TABLE message_journal (
            id INTEGER PRIMARY KEY,
            log_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            entry_id TEXT NOT NULL,
            idempotency_key TEXT NULL,
            author_id TEXT NOT NULL,
            timestamp_ticks INTEGER NOT NULL,
            payload TEXT NOT NULL
        );
        """,
        // Reminders as Orleans' IReminderTable sees them: silos share them out by ranges of the grain's uniform hash.
        // The old runtime's table held no rows any grain used, so it is replaced rather than migrated.
        """
        DROP TABLE reminders;

        CREATE TABLE reminders (
            grain_type TEXT NOT NULL,
            grain_key TEXT NOT NULL,
            reminder_name TEXT NOT NULL,
            grain_hash INTEGER NOT NULL,
            start_at_ticks INTEGER NOT NULL,
            period_ticks INTEGER NOT NULL,
            etag TEXT NOT NULL,
            PRIMARY KEY (grain_type, grain_key, reminder_name)
        ) WITHOUT ROWID;

        CREATE INDEX ix_reminders_hash ON reminders (grain_hash);
        """,
        // Each user's roster, a row per conversation (IRosterStore), so that changing an entry writes only that entry.
        """
        CREATE TABLE roster (
            user_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            payload TEXT NOT NULL,
            PRIMARY KEY (user_id, conversation_id)
        ) WITHOUT ROWID;
        """,
        // Entries carry a high-priority flag (LogEntry.HighPriority), counted apart; rows written before it are not high
        // priority. The journal gets it too, as its rows are copied column for column into message_log.
        """
        ALTER TABLE message_log ADD COLUMN high_priority INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE message_journal ADD COLUMN high_priority INTEGER NOT NULL DEFAULT 0;
        """,
        // Entries carry whether they still count in unread counts (LogEntry.Counted; a revise clears it when a message is
        // recalled); rows written before it all count. The journal gets it too, for the same reason as high_priority.
        """
        ALTER TABLE message_log ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE message_journal ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
        """,
        // The message index (IMessageSearch, SqliteMessageSearch): FTS5 over each text message's folded words and a word
        // naming its conversation; contentless (the log holds the text), with deletes. Its rowid is the id of the entry's
        // key row, which finds it by log and sequence.
        """
        CREATE TABLE message_search_keys (
            id INTEGER PRIMARY KEY,
            log_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            UNIQUE (log_id, seq)
        );

        CREATE VIRTUAL TABLE message_search USING fts5(
            body, scope, content = '', contentless_delete = 1, prefix = '2 3', tokenize = 'unicode61 remove_diacritics 2');
        """,
    ];
}
