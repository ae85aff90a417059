using System.Collections.Concurrent;

namespace Orleans.Chat.Persistence.Blobs;

/// <summary>
/// Blobs in memory, for tests and the InMemory profile: each is a byte array, so this store, unlike the others, holds
/// every blob whole. It is one process's: an API host in client mode and its silos do not share it.
/// </summary>
public sealed class InMemoryBlobStore : IBlobStore
{
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);

    public async ValueTask<long> WriteAsync(string name, Stream content, long maxBytes, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        using var buffer = new MemoryStream();
        await new SizeLimitedStream(content, maxBytes).CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return _blobs.TryAdd(name, buffer.ToArray())
            ? buffer.Length
            : throw new IOException($"Blob '{name}' exists.");
    }

    public ValueTask<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<Stream?>(_blobs.TryGetValue(BlobName.Validate(name), out var bytes) ? new MemoryStream(bytes, writable: false) : null);

    public ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_blobs.TryRemove(BlobName.Validate(name), out _));

    public IAsyncEnumerable<string> ListAsync(CancellationToken cancellationToken = default) => _blobs.Keys.ToAsyncEnumerable();
}
