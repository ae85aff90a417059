using System.Buffers;
using System.Data;
using Npgsql;
using Orleans.Chat.Persistence.Postgres;

namespace Orleans.Chat.Persistence.Blobs;

/// <summary>
/// A blob of <see cref="PostgresBlobStore"/> read one chunk row at a time (one query per chunk, on a pooled connection
/// held only for that query), so it holds one chunk in memory. It seeks by choosing the chunk, which serves HTTP ranges.
/// A blob deleted while it is read fails the read that reaches a missing chunk.
/// </summary>
internal sealed class PostgresBlobReadStream(NpgsqlDataSource dataSource, string name, long length, int chunkSize) : Stream
{
    private const string ReadChunk = "SELECT data FROM blob_chunks WHERE name = $1 AND seq = $2";

    private byte[]? _chunk = ArrayPool<byte>.Shared.Rent(chunkSize);
    private int _chunkIndex = -1;
    private int _chunkLength;
    private long _position;

    public override bool CanRead => _chunk is not null;

    public override bool CanSeek => _chunk is not null;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (ChunkToLoad() is { } index)
        {
            using var command = Command(index);
            using var reader = command.ExecuteReader(CommandBehavior.SequentialAccess);
            Load(index, reader.Read() ? reader : null);
        }

        return CopyTo(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (ChunkToLoad() is { } index)
        {
            await using var command = Command(index);
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
            Load(index, await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader : null);
        }

        return CopyTo(buffer.Span);
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (_chunk is { } chunk)
        {
            _chunk = null;
            ArrayPool<byte>.Shared.Return(chunk);
        }

        base.Dispose(disposing);
    }

    /// <summary>The index of the chunk the next read needs when it is not the one held; null when it is, or at the end.</summary>
    private int? ChunkToLoad()
    {
        ObjectDisposedException.ThrowIf(_chunk is null, this);
        var index = (int)(_position / chunkSize);
        return _position < length && index != _chunkIndex ? index : null;
    }

    private NpgsqlCommand Command(int index)
    {
        var command = dataSource.CreateCommand(ReadChunk);
        command.Parameters.Add(PostgresSql.Text(name));
        command.Parameters.Add(PostgresSql.Integer(index));
        return command;
    }

    private void Load(int index, NpgsqlDataReader? row)
    {
        if (row is null)
        {
            throw new IOException($"Blob '{name}' has no chunk {index}: it was deleted while it was read.");
        }

        _chunkLength = (int)row.GetBytes(0, 0, _chunk, 0, chunkSize);
        _chunkIndex = index;
    }

    private int CopyTo(Span<byte> buffer)
    {
        if (_position >= length)
        {
            return 0;
        }

        var offset = (int)(_position - ((long)_chunkIndex * chunkSize));
        var count = Math.Min(buffer.Length, _chunkLength - offset);
        _chunk.AsSpan(offset, count).CopyTo(buffer);
        _position += count;
        return count;
    }
}
