namespace Orleans.Chat.Persistence.Blobs;

/// <summary>
/// Reads through to <paramref name="inner"/> and counts; the read that takes the count past <paramref name="maxBytes"/>
/// throws <see cref="BlobTooLargeException"/>. Every store writes its content through one, so the limit is the same everywhere.
/// </summary>
internal sealed class SizeLimitedStream(Stream inner, long maxBytes) : Stream
{
    /// <summary>The bytes read so far: the blob's size once the content is read to its end.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        BytesRead += read;
        return BytesRead > maxBytes ? throw new BlobTooLargeException(maxBytes) : read;
    }
}
