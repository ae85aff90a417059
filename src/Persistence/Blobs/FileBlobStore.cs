using Microsoft.Extensions.Options;

namespace Orleans.Chat.Persistence.Blobs;

/// <summary>
/// Blobs as files of one directory, named by the blob. A write goes to a temporary file (<c>{name}.{random}.tmp</c>, a
/// name no blob can have) that is flushed to disk and then renamed to the blob's name, so readers see a whole blob or
/// none; a failed write deletes its temporary file, and <see cref="RemoveTemporaryFiles"/> removes those a killed process
/// left (at start-up, <see cref="FileBlobStoreLifetime"/>). One process owns the directory: the embedded server.
/// </summary>
internal sealed class FileBlobStore(IOptions<FileBlobStoreOptions> options) : IBlobStore
{
    private const string TemporarySuffix = ".tmp";

    private readonly string _directory = Path.GetFullPath(options.Value.Directory);

    public async ValueTask<long> WriteAsync(string name, Stream content, long maxBytes, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        Directory.CreateDirectory(_directory);
        var temporary = Path.Combine(_directory, $"{name}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            var limited = new SizeLimitedStream(content, maxBytes);
            await using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous }))
            {
                await limited.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            // Fails with IOException when the name is taken, leaving that blob alone.
            File.Move(temporary, path, overwrite: false);
            return limited.BytesRead;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public ValueTask<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        try
        {
            // FileShare.Delete: a blob can be deleted while someone downloads it (Windows would refuse otherwise).
            Stream file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
            return ValueTask.FromResult<Stream?>(file);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return ValueTask.FromResult<Stream?>(null);
        }
    }

    public ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(PathOf(name));
        if (!file.Exists)
        {
            return ValueTask.FromResult(false);
        }

        file.Delete();
        return ValueTask.FromResult(true);
    }

    public IAsyncEnumerable<string> ListAsync(CancellationToken cancellationToken = default) => Names().ToAsyncEnumerable();

    /// <summary>Deletes the temporary files of writes that never finished (a killed process); returns how many.</summary>
    public int RemoveTemporaryFiles()
    {
        if (!Directory.Exists(_directory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + TemporarySuffix))
        {
            File.Delete(path);
            removed++;
        }

        return removed;
    }

    /// <summary>The blobs' file names; temporary files have a '.', which blob names lack.</summary>
    private IEnumerable<string> Names() =>
        Directory.Exists(_directory)
            ? Directory.EnumerateFiles(_directory).Select(Path.GetFileName).OfType<string>().Where(static name => !name.Contains('.', StringComparison.Ordinal))
            : [];

    private string PathOf(string name) => Path.Combine(_directory, BlobName.Validate(name));
}
