namespace Orleans.Chat.Persistence.Tests;

/// <summary>
/// Content to write into a blob store, as an upload delivers it: a stream that cannot seek and hands out at most
/// <paramref name="readSize"/> bytes per read. At <paramref name="interruptAt"/> bytes it runs <paramref name="interrupt"/>
/// (throw, or cancel the writer's token), to stand in for a client that goes away midway.
/// </summary>
internal sealed class BlobContent(byte[] bytes, int readSize = 16 * 1024, long interruptAt = long.MaxValue, Action? interrupt = null) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Bytes that are the same for the same seed and length, and differ between neighbouring offsets.</summary>
    public static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position == interruptAt)
        {
            interrupt?.Invoke();
        }

        // Reads stop at the interruption, so it comes after exactly that many bytes.
        var end = _position < interruptAt ? (int)Math.Min(bytes.Length, interruptAt) : bytes.Length;
        var count = Math.Min(Math.Min(buffer.Length, readSize), end - _position);
        bytes.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return Read(buffer.Span);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>What <see cref="BlobContent"/> throws to stand in for a broken upload.</summary>
internal sealed class ContentBrokeException() : Exception("The content broke off.");
