using Orleans.Chat.Persistence.Tests.Contract;

namespace Orleans.Chat.Persistence.Tests;

// The message log: ours on every store.
public sealed class InMemoryMessageLogContractTests(InMemoryMessageLogFixture fixture)
    : MessageLogContractTests(fixture), IClassFixture<InMemoryMessageLogFixture>;

public sealed class SqliteMessageLogContractTests(SqliteStorageFixture fixture)
    : MessageLogContractTests(fixture), IClassFixture<SqliteStorageFixture>;

// The journal options change only how log appends move from the journal into message_log, so only the log runs here.
public sealed class SqliteFrequentCheckpointMessageLogContractTests(SqliteFrequentCheckpointFixture fixture)
    : MessageLogContractTests(fixture), IClassFixture<SqliteFrequentCheckpointFixture>;

public sealed class PostgresMessageLogContractTests(PostgresStorageFixture fixture)
    : MessageLogContractTests(fixture), IClassFixture<PostgresStorageFixture>;

// Orleans grain storage: ours on SQLite and PostgreSQL (in memory it is Orleans' MemoryGrainStorage).
public sealed class SqliteGrainStorageContractTests(SqliteStorageFixture fixture)
    : GrainStorageContractTests(fixture), IClassFixture<SqliteStorageFixture>;

public sealed class PostgresGrainStorageContractTests(PostgresStorageFixture fixture)
    : GrainStorageContractTests(fixture), IClassFixture<PostgresStorageFixture>;

// Orleans' reminder table: ours on SQLite only (PostgreSQL runs Orleans' ADO.NET provider, see PostgresOrleansRemindersTests;
// in memory it is Orleans' InMemoryReminderTable).
public sealed class SqliteReminderTableContractTests(SqliteStorageFixture fixture)
    : ReminderTableContractTests(fixture), IClassFixture<SqliteStorageFixture>;

// Rosters: ours on SQLite and PostgreSQL.
public sealed class SqliteRosterStoreContractTests(SqliteStorageFixture fixture)
    : RosterStoreContractTests(fixture), IClassFixture<SqliteStorageFixture>;

public sealed class PostgresRosterStoreContractTests(PostgresStorageFixture fixture)
    : RosterStoreContractTests(fixture), IClassFixture<PostgresStorageFixture>;

// The message index: ours on every store that has one (Azure Storage has none: see AzureStorageRegistrationTests).
public sealed class InMemoryMessageSearchContractTests(InMemoryMessageSearchFixture fixture)
    : MessageSearchContractTests(fixture), IClassFixture<InMemoryMessageSearchFixture>;

public sealed class SqliteMessageSearchContractTests(SqliteStorageFixture fixture)
    : MessageSearchContractTests(fixture), IClassFixture<SqliteStorageFixture>;

public sealed class PostgresMessageSearchContractTests(PostgresStorageFixture fixture)
    : MessageSearchContractTests(fixture), IClassFixture<PostgresStorageFixture>;
