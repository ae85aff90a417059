namespace Orleans.Chat.Persistence;

/// <summary>
/// Large binary objects (the bytes of attachments), each written once under a name and read as a stream. A blob is
/// either whole or absent: a write that fails, is cancelled or exceeds its limit leaves nothing behind. Names are 1 to
/// 128 characters of A-Z, a-z, 0-9, '_' and '-'.
/// </summary>
public interface IBlobStore
{
    /// <summary>
    /// Streams <paramref name="content"/> to its end into a new blob named <paramref name="name"/> and returns its size in
    /// bytes, once the blob is durable. Only fixed-size buffers are held, never the whole content. Past
    /// <paramref name="maxBytes"/> it throws <see cref="BlobTooLargeException"/>; when <paramref name="content"/> throws or
    /// the write is cancelled, that exception propagates. In every one of these cases nothing of the blob remains. A name
    /// that is taken throws <see cref="IOException"/> and leaves the stored blob as it was.
    /// </summary>
    ValueTask<long> WriteAsync(string name, Stream content, long maxBytes, CancellationToken cancellationToken = default);

    /// <summary>
    /// A seekable read-only stream over the blob (its <see cref="Stream.Length"/> is the blob's size), which reads from the
    /// store as it goes; null when there is no such blob. The caller disposes it.
    /// </summary>
    ValueTask<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob; false when there was none.</summary>
    ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The names of every blob, in no particular order: for finding orphans, and for tests.</summary>
    IAsyncEnumerable<string> ListAsync(CancellationToken cancellationToken = default);
}
