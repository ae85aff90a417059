using System.ComponentModel.DataAnnotations;

namespace Orleans.Chat.Persistence.AzureStorage;

/// <summary>
/// Options of the Azure Storage profile (configuration section <c>Storage:Azure</c>, connection string
/// <c>ConnectionStrings:AzureStorage</c>): our message log and rosters on Table Storage, our blob store and Orleans' Blob
/// grain storage on Blob Storage, and Orleans' Table reminders, all in one storage account.
/// </summary>
public sealed class AzureStorageOptions
{
    public const string SectionName = "Storage:Azure";

    /// <summary>Table names: letters and digits, 3 to 63, starting with a letter (Azure's rule).</summary>
    public const string TableNamePattern = "^[A-Za-z][A-Za-z0-9]{2,62}$";

    /// <summary>Blob container names: lower-case letters, digits and single hyphens, 3 to 63 (Azure's rule).</summary>
    public const string ContainerNamePattern = "^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$";

    /// <summary>An Azure Storage connection string (account key or SAS), e.g. Azurite's development account.</summary>
    [Required]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>The table of the message log: one partition per conversation. Created when missing.</summary>
    [Required]
    [RegularExpression(TableNamePattern, ErrorMessage = "MessageTableName must be 3 to 63 letters or digits, starting with a letter.")]
    public string MessageTableName { get; set; } = "chatmessages";

    /// <summary>The table of the users' rosters: one partition per user, a row per conversation. Created when missing.</summary>
    [Required]
    [RegularExpression(TableNamePattern, ErrorMessage = "RosterTableName must be 3 to 63 letters or digits, starting with a letter.")]
    public string RosterTableName { get; set; } = "chatrosters";

    /// <summary>The table of Orleans' Azure Table reminder provider. Created by Orleans when missing.</summary>
    [Required]
    [RegularExpression(TableNamePattern, ErrorMessage = "ReminderTableName must be 3 to 63 letters or digits, starting with a letter.")]
    public string ReminderTableName { get; set; } = "OrleansReminders";

    /// <summary>The blob container of Orleans' Blob grain storage (one JSON blob per grain state). Created by Orleans when missing.</summary>
    [Required]
    [RegularExpression(ContainerNamePattern, ErrorMessage = "GrainStateContainerName must be 3 to 63 lower-case letters, digits or single hyphens.")]
    public string GrainStateContainerName { get; set; } = "grainstate";

    /// <summary>The blob container of the blob store (the bytes of attachments, a blob each). Created when missing.</summary>
    [Required]
    [RegularExpression(ContainerNamePattern, ErrorMessage = "BlobContainerName must be 3 to 63 lower-case letters, digits or single hyphens.")]
    public string BlobContainerName { get; set; } = "attachments";

    /// <summary>When false, every append is its own transaction: only for benchmarks and comparison.</summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>The most appends a writer takes from its queue at once; they become one transaction per conversation (split at 100 operations).</summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>How many appends may wait in each writer's queue before callers wait to enqueue.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>
    /// Writer queues: a conversation always goes to the same one, so its appends stay in order. The conversations of one
    /// batch commit in parallel, and so do the writers.
    /// </summary>
    [Range(1, 256)]
    public int WriterPartitions { get; set; } = 16;
}
