using System.ComponentModel.DataAnnotations;

namespace Orleans.Chat.Persistence.Postgres;

/// <summary>Options of the PostgreSQL store (configuration section <c>Storage:Postgres</c>, connection string <c>ConnectionStrings:Postgres</c>).</summary>
public sealed class PostgresStorageOptions
{
    public const string SectionName = "Storage:Postgres";

    /// <summary>An Npgsql connection string. Pooling is on unless it says otherwise; statements are prepared automatically only if it sets Max Auto Prepare.</summary>
    [Required]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>The schema that holds the tables; created when missing.</summary>
    [Required]
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "Schema must be a lower-case SQL identifier.")]
    public string Schema { get; set; } = "public";

    /// <summary>When false, every write commits on its own (a batch of one): only for benchmarks and comparison.</summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>The most writes committed in one transaction.</summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>How many writes may wait in each partition's queue before callers wait to enqueue.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>
    /// Writer partitions: each has its own queue, connection and transaction; a log, grain or reminder always goes to
    /// the same partition, so its writes stay in order. More partitions overlap more commits.
    /// </summary>
    [Range(1, 64)]
    public int WriterPartitions { get; set; } = 4;
}
