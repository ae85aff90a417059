using Orleans.Chat.Persistence.Tests.Contract;

namespace Orleans.Chat.Persistence.Tests;

// The blob store, ours on every profile: files (embedded, SQLite), PostgreSQL, Azure Blob Storage (Azurite), memory.
public sealed class InMemoryBlobStoreContractTests(InMemoryBlobStoreFixture fixture)
    : BlobStoreContractTests(fixture), IClassFixture<InMemoryBlobStoreFixture>;

public sealed class FileBlobStoreContractTests(FileBlobStoreFixture fixture)
    : BlobStoreContractTests(fixture), IClassFixture<FileBlobStoreFixture>;

public sealed class PostgresBlobStoreContractTests(PostgresBlobStoreFixture fixture)
    : BlobStoreContractTests(fixture), IClassFixture<PostgresBlobStoreFixture>;

public sealed class AzureBlobStoreContractTests(AzureBlobStoreFixture fixture)
    : BlobStoreContractTests(fixture), IClassFixture<AzureBlobStoreFixture>;
