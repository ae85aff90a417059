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

        // 3: cluster membership through Orleans' ADO.NET clustering provider (Microsoft.Orleans.Clustering.AdoNet 10.4.2,
        // invariant "Npgsql"), which ships no SQL either: the silos' membership table and the clients' gateway list. Its
        // contract, as that version binds and reads it: at start it reads OrleansQuery (as migration 2) and fails unless the
        // nine keys below other than CleanupDefunctSiloEntryKey are present; that tenth one is optional and, when present,
        // replaces the bulk cleanup. It binds @DeploymentId (the ClusterId), the silo address as @Address (text), @Port and
        // @Generation (int), @SiloName, @HostName, @Status (the SiloStatus as an int: 3 Active, 6 Dead), @ProxyPort (int, 0 for
        // no gateway), @StartTime and @IAmAliveTime (UTC; timestamptz, stored to the microsecond), @SuspectTimes (text or
        // NULL: "address,date|address,date", kept verbatim) and @Version (int). It reads the columns Address, Port,
        // Generation, SiloName, HostName, Status, ProxyPort, SuspectTimes, StartTime, IAmAliveTime and Version by name.
        // Versions: the table has one version per cluster, the etag of every write (the provider gives each member the table
        // version as its etag, and refuses an update whose etag differs before asking). A read returns rows whose Version is
        // the table version, and at least one row (a null StartTime means no member), or the provider fails; so reads start from
        // the cluster id, and read version 0 when the version row is missing. Inserting or updating a member succeeds only if
        // @Version is the stored version, and then raises it by exactly 1 (Orleans expects the next read to say @Version + 1),
        // in the same statement as the row change: both happen or neither (a silo already in the table is not inserted and
        // leaves the version alone). "I am alive" changes neither the version nor anything but that time. Inserting the
        // version row happens on every silo's start, several at once: ON CONFLICT DO NOTHING, and the answer is whether this
        // call inserted it. Deleting a cluster removes its version row and, by the foreign key, its members. Cleanup removes
        // only Dead silos whose start and last "I am alive" are before the cutoff (the single-entry query also checks that the
        // row is still the one the provider read). The provider's connection has this schema on its search_path.
        """
        CREATE TABLE orleans_membership_version (
            cluster_id text NOT NULL PRIMARY KEY,
            version integer NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE orleans_membership (
            cluster_id text NOT NULL REFERENCES orleans_membership_version (cluster_id) ON DELETE CASCADE,
            address text NOT NULL,
            port integer NOT NULL,
            generation integer NOT NULL,
            silo_name text NOT NULL,
            host_name text NOT NULL,
            status integer NOT NULL,
            proxy_port integer NOT NULL,
            suspect_times text NULL,
            start_time timestamptz NOT NULL,
            i_am_alive_time timestamptz NOT NULL,
            PRIMARY KEY (cluster_id, address, port, generation)
        );

        INSERT INTO orleansquery (querykey, querytext) VALUES
        ('InsertMembershipVersionKey', $sql$
            WITH inserted AS (
                INSERT INTO orleans_membership_version (cluster_id) VALUES (@DeploymentId)
                ON CONFLICT (cluster_id) DO NOTHING
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM inserted) AS "Inserted"
        $sql$),
        ('MembershipReadAllKey', $sql$
            SELECT m.address AS "Address", m.port AS "Port", m.generation AS "Generation", m.silo_name AS "SiloName",
                m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort", m.suspect_times AS "SuspectTimes",
                m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime", COALESCE(v.version, 0) AS "Version"
            FROM (SELECT @DeploymentId::text AS cluster_id) k
            LEFT JOIN orleans_membership_version v ON v.cluster_id = k.cluster_id
            LEFT JOIN orleans_membership m ON m.cluster_id = k.cluster_id
        $sql$),
        ('MembershipReadRowKey', $sql$
            SELECT m.address AS "Address", m.port AS "Port", m.generation AS "Generation", m.silo_name AS "SiloName",
                m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort", m.suspect_times AS "SuspectTimes",
                m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime", COALESCE(v.version, 0) AS "Version"
            FROM (SELECT @DeploymentId::text AS cluster_id) k
            LEFT JOIN orleans_membership_version v ON v.cluster_id = k.cluster_id
            LEFT JOIN orleans_membership m ON m.cluster_id = k.cluster_id
                AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
        $sql$),
        ('InsertMembershipKey', $sql$
            WITH current_version AS (
                SELECT cluster_id FROM orleans_membership_version
                WHERE cluster_id = @DeploymentId AND version = @Version
                FOR UPDATE
            ),
            inserted AS (
                INSERT INTO orleans_membership
                    (cluster_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
                SELECT cluster_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
                FROM current_version
                ON CONFLICT DO NOTHING
                RETURNING cluster_id
            ),
            bumped AS (
                UPDATE orleans_membership_version v SET version = v.version + 1, updated_at = now()
                FROM inserted i WHERE v.cluster_id = i.cluster_id
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM bumped) AS "Inserted"
        $sql$),
        ('UpdateMembershipKey', $sql$
            WITH current_version AS (
                SELECT cluster_id FROM orleans_membership_version
                WHERE cluster_id = @DeploymentId AND version = @Version
                FOR UPDATE
            ),
            updated AS (
                UPDATE orleans_membership m
                SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
                FROM current_version c
                WHERE m.cluster_id = c.cluster_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
                RETURNING m.cluster_id
            ),
            bumped AS (
                UPDATE orleans_membership_version v SET version = v.version + 1, updated_at = now()
                FROM updated u WHERE v.cluster_id = u.cluster_id
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM bumped) AS "Updated"
        $sql$),
        ('UpdateIAmAlivetimeKey', $sql$
            UPDATE orleans_membership SET i_am_alive_time = @IAmAliveTime
            WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
        $sql$),
        ('GatewaysQueryKey', $sql$
            SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
            FROM orleans_membership
            WHERE cluster_id = @DeploymentId AND status = @Status AND proxy_port > 0
        $sql$),
        ('DeleteMembershipTableEntriesKey', $sql$
            DELETE FROM orleans_membership_version WHERE cluster_id = @DeploymentId
        $sql$),
        ('CleanupDefunctSiloEntriesKey', $sql$
            DELETE FROM orleans_membership
            WHERE cluster_id = @DeploymentId AND status = 6 AND start_time < @IAmAliveTime AND i_am_alive_time < @IAmAliveTime
        $sql$),
        ('CleanupDefunctSiloEntryKey', $sql$
            DELETE FROM orleans_membership
            WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
                AND status = 6 AND start_time = @StartTime AND i_am_alive_time = @IAmAliveTime
                AND COALESCE(suspect_times, '') = COALESCE(@SuspectTimes, '')
        $sql$);
        """,

        // 4: each user's roster, a row per conversation (IRosterStore), so that changing an entry writes only that entry.
        """
        CREATE TABLE roster (
            user_id text NOT NULL,
            conversation_id text NOT NULL,
            revision bigint NOT NULL,
            payload text NOT NULL,
            PRIMARY KEY (user_id, conversation_id)
        );
        """,

        // 5: entries carry a high-priority flag (LogEntry.HighPriority), counted apart; rows written before it are not high
        // priority. A constant default adds the column without rewriting the table.
        """
        ALTER TABLE message_log ADD COLUMN high_priority boolean NOT NULL DEFAULT false;
        """,

        // 6: entries carry whether they still count in unread counts (LogEntry.Counted; a revise clears it when a message is
        // recalled); rows written before it all count. A constant default, so again no rewrite of the table.
        """
        ALTER TABLE message_log ADD COLUMN counted boolean NOT NULL DEFAULT true;
        """,

        // 7: blobs (IBlobStore, PostgresBlobStore), in rows of this schema rather than large objects: a blob is its row in
        // blobs and its chunks in blob_chunks, written in one transaction and removed by one DELETE (the chunks cascade).
        // Chunks are stored out of line uncompressed (STORAGE EXTERNAL): attachments are mostly compressed already.
        """
        CREATE TABLE blobs (
            name text NOT NULL PRIMARY KEY,
            size bigint NOT NULL,
            chunk_size integer NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE blob_chunks (
            name text NOT NULL REFERENCES blobs (name) ON DELETE CASCADE,
            seq integer NOT NULL,
            data bytea NOT NULL,
            PRIMARY KEY (name, seq)
        );

        ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
        """,

        // 8: the message index (IMessageSearch, PostgresMessageSearch): each text message's folded words as a tsvector of
        // the 'simple' configuration, under a GIN index; the primary key finds a conversation's rows for a scoped search.
        """
        CREATE TABLE message_search (
            log_id text NOT NULL,
            seq bigint NOT NULL,
            document tsvector NOT NULL,
            PRIMARY KEY (log_id, seq)
        );

        CREATE INDEX ix_message_search_document ON message_search USING gin (document);
        """,
    ];
}
