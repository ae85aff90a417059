using System.ComponentModel.DataAnnotations;

namespace Orleans.Chat.Persistence.Blobs;

/// <summary>Options of the file blob store (the embedded, SQLite profile): one file per blob in one directory.</summary>
public sealed class FileBlobStoreOptions
{
    /// <summary>The directory of the blobs, created when missing; <c>AddChatBlobStore</c> makes it <c>{Storage:DataDirectory}/attachments</c>.</summary>
    [Required]
    public string Directory { get; set; } = string.Empty;
}
