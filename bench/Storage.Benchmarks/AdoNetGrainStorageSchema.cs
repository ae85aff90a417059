using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Chat.Persistence;
using Orleans.Chat.Persistence.Postgres;

namespace Orleans.Chat.Storage.Benchmarks;

/// <summary>
/// The table and named queries that Orleans' ADO.NET grain storage expects (its package ships no SQL), for the
/// benchmark only: the server keeps its group-commit provider, which won (bench/results/2026-11-29-orleans-port.md).
/// Written from the provider's contract: it binds @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash,
/// @GrainTypeString, @GrainIdExtensionString (null unless the key is a string), @ServiceId, @GrainStateVersion (null
/// for a state never stored) and @PayloadBinary; it reads PayloadBinary and Version from ReadFromStorageKey and
/// NewGrainStateVersion from the others, and a write that returns the version it sent is an ETag conflict.
/// </summary>
internal static class AdoNetGrainStorageSchema
{
    private const string Key = """
        service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
        AND grain_id_extension = coalesce(@GrainIdExtensionString, '')
        """;

    private static readonly string Sql = $$"""
        CREATE TABLE orleans_storage (
            service_id text NOT NULL,
            grain_type text NOT NULL,
            grain_id_n0 bigint NOT NULL,
            grain_id_n1 bigint NOT NULL,
            grain_id_extension text NOT NULL,
            payload bytea NULL,
            version integer NOT NULL,
            modified_on timestamptz NOT NULL,
            PRIMARY KEY (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
        );

        INSERT INTO orleansquery (querykey, querytext) VALUES
        ('ReadFromStorageKey', $sql$
            SELECT payload AS "PayloadBinary", now() AS "ModifiedOn", version AS "Version" FROM orleans_storage WHERE {{Key}}
        $sql$),
        ('WriteToStorageKey', $sql$
            WITH updated AS (
                UPDATE orleans_storage SET payload = @PayloadBinary, version = version + 1, modified_on = now()
                WHERE @GrainStateVersion IS NOT NULL AND {{Key}} AND version = @GrainStateVersion
                RETURNING version),
            inserted AS (
                INSERT INTO orleans_storage (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, payload, version, modified_on)
                SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''), @PayloadBinary, 1, now()
                WHERE @GrainStateVersion IS NULL
                ON CONFLICT DO NOTHING
                RETURNING version)
            SELECT coalesce((SELECT version FROM updated), (SELECT version FROM inserted), @GrainStateVersion) AS "NewGrainStateVersion"
        $sql$),
        ('ClearStorageKey', $sql$
            UPDATE orleans_storage SET payload = NULL, version = version + 1, modified_on = now()
            WHERE {{Key}} AND version = @GrainStateVersion
            RETURNING version AS "NewGrainStateVersion"
        $sql$),
        ('DeleteStorageKey', $sql$
            DELETE FROM orleans_storage WHERE {{Key}} AND version = @GrainStateVersion
            RETURNING version + 1 AS "NewGrainStateVersion"
        $sql$);
        """;

    /// <summary>Creates the chat schema (our migrations, with the <c>orleansquery</c> table) and adds the provider's table and queries.</summary>
    public static async Task CreateAsync(string connectionString, string schema)
    {
        var services = new ServiceCollection().AddLogging().AddPostgresStorage(options =>
        {
            options.ConnectionString = connectionString;
            options.Schema = schema;
        });
        await using (var provider = services.BuildServiceProvider())
        {
            await provider.GetRequiredService<PostgresStore>().MigrateAsync();
        }

        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema }.ConnectionString);
        await using var command = dataSource.CreateCommand(Sql);
        await command.ExecuteNonQueryAsync();
    }
}
