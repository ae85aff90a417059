using System.ComponentModel.DataAnnotations;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>Options of the SQLite store (configuration section <c>Storage:Sqlite</c>).</summary>
public sealed class SqliteStorageOptions
{
    public const string SectionName = "Storage:Sqlite";

    /// <summary>The database file; its directory is created when missing.</summary>
    [Required]
    public string Path { get; set; } = "data/chat.db";

    /// <summary>When false, every write commits on its own (a batch of one): only for benchmarks and comparison.</summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>The most writes committed in one transaction.</summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 2_000;

    /// <summary>How many writes may wait for the writer before callers wait to enqueue.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>Connections kept open for reads (WAL lets them read while the writer writes).</summary>
    [Range(1, 64)]
    public int ReadConnections { get; set; } = 4;

    /// <summary>
    /// Appends go to an insertion-ordered journal table first (cheap to commit); once it holds this many entries, the
    /// writer moves them into the indexed message log between batches, the logs with most entries first. The journal
    /// must hold many entries per busy conversation for a move to share B-tree pages: with 5,000 conversations busy,
    /// 8,192 rows wrote 27 KB per message to disk and 65,536 rows 9 KB (bench/Load chat-1to1 at saturation, 2 cores).
    /// Memory is not the limit: the journal's in-memory index holds under 100 bytes per entry (the rows stay in the table).
    /// A larger journal writes less per message (262,144 rows: 3.6 KB against 7.6 KB in a 90 s saturation run) but
    /// leaves more rows for the next open to move after a crash, and a benchmark step shorter than its fill time
    /// would never see a move.
    /// </summary>
    [Range(1, 1_000_000)]
    public int JournalCheckpointRows { get; set; } = 65_536;

    /// <summary>The most journal entries one checkpoint transaction moves (bounds how long it holds up the next batch).</summary>
    [Range(1, 1_000_000)]
    public int JournalCheckpointChunk { get; set; } = 512;

    [Range(0, 600_000)]
    public int BusyTimeoutMilliseconds { get; set; } = 10_000;
}
