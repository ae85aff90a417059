using System.Security.Cryptography;

namespace Orleans.Chat.Persistence.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="IBlobStore"/> must have. Each store gets a subclass that supplies its store through a
/// class fixture; every test uses fresh names, so the tests of one class can share a store. Sizes cross the stores'
/// chunk and block sizes (256 KiB on PostgreSQL, 1 MiB on Azure), so interrupted writes have already stored parts.
/// </summary>
public abstract class BlobStoreContractTests(IBlobStoreFixture fixture)
{
    private const int Large = (5 * 1024 * 1024) + 123;

    protected IBlobStore Blobs => fixture.Blobs;

    protected static string NewName() => TestData.NewKey();

    [Fact]
    public async Task WriteAsync_ThenOpenReadAsync_ReturnsTheBytes()
    {
        var name = NewName();
        var bytes = BlobContent.Bytes(1000);

        var size = await Blobs.WriteAsync(name, new BlobContent(bytes), maxBytes: 1000);

        Assert.Equal(1000, size);
        Assert.Equal(bytes, await ReadAllAsync(name));
    }

    [Fact]
    public async Task WriteAsync_EmptyContent_StoresAnEmptyBlob()
    {
        var name = NewName();

        Assert.Equal(0, await Blobs.WriteAsync(name, new BlobContent([]), maxBytes: 10));

        Assert.Empty(await ReadAllAsync(name));
        Assert.Contains(name, await ListAsync());
    }

    [Fact]
    public async Task WriteAsync_SeveralMegabytes_RoundTripsByteExact()
    {
        var name = NewName();
        var bytes = BlobContent.Bytes(Large, seed: 7);

        var size = await Blobs.WriteAsync(name, new BlobContent(bytes, readSize: 100_000), maxBytes: Large);

        Assert.Equal(Large, size);
        await using var stream = await Blobs.OpenReadAsync(name);
        Assert.NotNull(stream);
        Assert.Equal(Large, stream.Length);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81_920];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        Assert.Equal(SHA256.HashData(bytes), hash.GetHashAndReset());
    }

    [Fact]
    public async Task OpenReadAsync_SeekIntoTheMiddle_ReadsFromThere()
    {
        var name = NewName();
        var bytes = BlobContent.Bytes(Large, seed: 3);
        await Blobs.WriteAsync(name, new BlobContent(bytes), maxBytes: Large);

        // Across a chunk boundary (256 KiB) and a block boundary (1 MiB), as an HTTP range would.
        var from = (1024 * 1024) - 10;
        await using var stream = await Blobs.OpenReadAsync(name);
        Assert.NotNull(stream);
        Assert.True(stream.CanSeek);
        stream.Seek(from, SeekOrigin.Begin);
        var part = new byte[300_000];
        await stream.ReadExactlyAsync(part);

        Assert.Equal(bytes.AsSpan(from, part.Length).ToArray(), part);
    }

    [Fact]
    public async Task WriteAsync_ExactlyMaxBytes_IsStored()
    {
        var name = NewName();

        Assert.Equal(4096, await Blobs.WriteAsync(name, new BlobContent(BlobContent.Bytes(4096)), maxBytes: 4096));

        Assert.Contains(name, await ListAsync());
    }

    [Theory]
    [InlineData(1_001, 1_000)]
    [InlineData(3 * 1024 * 1024, (2 * 1024 * 1024) + 5)]
    public async Task WriteAsync_PastMaxBytes_ThrowsAndLeavesNothing(int length, int maxBytes)
    {
        var name = NewName();

        var exception = await Assert.ThrowsAsync<BlobTooLargeException>(() =>
            Blobs.WriteAsync(name, new BlobContent(BlobContent.Bytes(length)), maxBytes).AsTask());

        Assert.Equal(maxBytes, exception.MaxBytes);
        await AssertNothingStoredAsync(name);
    }

    [Fact]
    public async Task WriteAsync_ContentThrowsMidway_ThrowsThatAndLeavesNothing()
    {
        var name = NewName();
        var content = new BlobContent(BlobContent.Bytes(Large), interruptAt: (2 * 1024 * 1024) + 7, interrupt: static () => throw new ContentBrokeException());

        await Assert.ThrowsAsync<ContentBrokeException>(() => Blobs.WriteAsync(name, content, maxBytes: Large).AsTask());

        await AssertNothingStoredAsync(name);
    }

    [Fact]
    public async Task WriteAsync_CancelledMidway_ThrowsAndLeavesNothing()
    {
        var name = NewName();
        using var cancellation = new CancellationTokenSource();
        var content = new BlobContent(BlobContent.Bytes(Large), interruptAt: (2 * 1024 * 1024) + 7, interrupt: cancellation.Cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Blobs.WriteAsync(name, content, maxBytes: Large, cancellation.Token).AsTask());

        await AssertNothingStoredAsync(name);
    }

    [Fact]
    public async Task WriteAsync_NameTaken_ThrowsIOExceptionAndKeepsTheStoredBlob()
    {
        var name = NewName();
        var first = BlobContent.Bytes(2000, seed: 1);
        await Blobs.WriteAsync(name, new BlobContent(first), maxBytes: 10_000);

        await Assert.ThrowsAsync<IOException>(() => Blobs.WriteAsync(name, new BlobContent(BlobContent.Bytes(3000, seed: 2)), maxBytes: 10_000).AsTask());

        Assert.Equal(first, await ReadAllAsync(name));
    }

    [Fact]
    public async Task OpenReadAsync_UnknownName_IsNull()
    {
        Assert.Null(await Blobs.OpenReadAsync(NewName()));
    }

    [Fact]
    public async Task DeleteAsync_StoredBlob_RemovesItAndAnswersTrueOnce()
    {
        var name = NewName();
        await Blobs.WriteAsync(name, new BlobContent(BlobContent.Bytes(500)), maxBytes: 500);

        Assert.True(await Blobs.DeleteAsync(name));

        Assert.Null(await Blobs.OpenReadAsync(name));
        Assert.DoesNotContain(name, await ListAsync());
        Assert.False(await Blobs.DeleteAsync(name));
    }

    [Fact]
    public async Task DeleteAsync_UnknownName_IsFalse()
    {
        Assert.False(await Blobs.DeleteAsync(NewName()));
    }

    [Fact]
    public async Task ListAsync_HasEveryStoredBlobAndNoDeletedOne()
    {
        string[] names = [NewName(), NewName(), NewName()];
        foreach (var name in names)
        {
            await Blobs.WriteAsync(name, new BlobContent(BlobContent.Bytes(10)), maxBytes: 10);
        }

        await Blobs.DeleteAsync(names[1]);

        var listed = await ListAsync();
        Assert.Contains(names[0], listed);
        Assert.DoesNotContain(names[1], listed);
        Assert.Contains(names[2], listed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("../escape")]
    [InlineData("with space")]
    public async Task WriteAsync_InvalidName_ThrowsArgumentException(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Blobs.WriteAsync(name, new BlobContent([1]), maxBytes: 10).AsTask());
    }

    private async Task<byte[]> ReadAllAsync(string name)
    {
        await using var stream = await Blobs.OpenReadAsync(name);
        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(stream.Length, copy.Length);
        return copy.ToArray();
    }

    private async Task<List<string>> ListAsync()
    {
        var names = new List<string>();
        await foreach (var name in Blobs.ListAsync())
        {
            names.Add(name);
        }

        return names;
    }

    /// <summary>The store neither shows the blob nor keeps anything of it (temporary files, chunk rows).</summary>
    private async Task AssertNothingStoredAsync(string name)
    {
        Assert.Null(await Blobs.OpenReadAsync(name));
        Assert.DoesNotContain(name, await ListAsync());
        Assert.Empty(await fixture.LeftoversAsync(name));
    }
}
