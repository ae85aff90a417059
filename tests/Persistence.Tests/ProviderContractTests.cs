using Orleans.Chat.Persistence.Tests.Contract;

namespace Orleans.Chat.Persistence.Tests;

public sealed class InMemoryStorageContractTests(InMemoryStorageFixture fixture)
    : StorageContractTests(fixture), IClassFixture<InMemoryStorageFixture>;

public sealed class SqliteStorageContractTests(SqliteStorageFixture fixture)
    : StorageContractTests(fixture), IClassFixture<SqliteStorageFixture>;

public sealed class SqliteFrequentCheckpointStorageContractTests(SqliteFrequentCheckpointFixture fixture)
    : StorageContractTests(fixture), IClassFixture<SqliteFrequentCheckpointFixture>;

public sealed class PostgresStorageContractTests(PostgresStorageFixture fixture)
    : StorageContractTests(fixture), IClassFixture<PostgresStorageFixture>;
