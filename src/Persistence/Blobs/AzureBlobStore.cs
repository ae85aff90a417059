using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence.AzureStorage;

namespace Orleans.Chat.Persistence.Blobs;

/// <summary>
/// Blobs on Azure Blob Storage, block blobs in the container <see cref="AzureStorageOptions.BlobContainerName"/> (created
/// on the first write). A write is the SDK's upload of a stream it cannot seek: it stages blocks of
/// <see cref="BlockSize"/> one at a time and commits the block list at the end, under "if none match *" so it never
/// replaces a blob. Staged blocks are invisible until that commit and the service drops uncommitted ones by itself, so a
/// write that fails before its commit leaves nothing to see; one that fails at or after it deletes what it may have committed.
/// </summary>
internal sealed partial class AzureBlobStore : IBlobStore
{
    /// <summary>The bytes of one staged block: what a write holds in memory (the SDK buffers one block, as the content is not seekable).</summary>
    internal const int BlockSize = 1024 * 1024;

    /// <summary>How much a read fetches at once.</summary>
    private const int ReadBufferSize = 1024 * 1024;

    private readonly BlobContainerClient _container;
    private readonly ILogger _logger;
    private volatile bool _containerCreated;

    public AzureBlobStore(IOptions<AzureStorageOptions> options, ILogger<AzureBlobStore>? logger = null)
    {
        _container = new BlobServiceClient(options.Value.ConnectionString).GetBlobContainerClient(options.Value.BlobContainerName);
        _logger = logger ?? NullLogger<AzureBlobStore>.Instance;
    }

    public async ValueTask<long> WriteAsync(string name, Stream content, long maxBytes, CancellationToken cancellationToken = default)
    {
        var blob = _container.GetBlobClient(BlobName.Validate(name));
        await CreateContainerAsync(cancellationToken).ConfigureAwait(false);
        var limited = new SizeLimitedStream(content, maxBytes);
        try
        {
            await blob.UploadAsync(limited, new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                TransferOptions = new StorageTransferOptions { MaximumConcurrency = 1, InitialTransferSize = BlockSize, MaximumTransferSize = BlockSize },
            }, cancellationToken).ConfigureAwait(false);
            return limited.BytesRead;
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            throw new IOException($"Blob '{name}' exists.", exception);
        }
        catch (Exception exception)
        {
            // Nothing is committed unless the failure came at the commit itself (a timeout, a lost answer): then the blob may
            // exist. Not the caller's token, which may be the one that was cancelled.
            try
            {
                await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            catch (RequestFailedException deleteFailure)
            {
                LogCleanupFailed(_logger, deleteFailure, name, exception.GetType().Name);
            }

            throw;
        }
    }

    public async ValueTask<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var blob = _container.GetBlobClient(BlobName.Validate(name));
        try
        {
            // allowModifications false: the stream reads the version it opened, and fails if the blob changes under it.
            return await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = ReadBufferSize }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return null;
        }
    }

    public async ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var blob = _container.GetBlobClient(BlobName.Validate(name));
        return await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<string> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!await _container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }

        await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions(), cancellationToken).ConfigureAwait(false))
        {
            yield return blob.Name;
        }
    }

    /// <summary>Creates the container once per process; creating one that exists is harmless, so racing writers may both try.</summary>
    private async Task CreateContainerAsync(CancellationToken cancellationToken)
    {
        if (!_containerCreated)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _containerCreated = true;
        }
    }

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Azure blob {Name}: the write failed ({Failure}) and deleting what it may have committed failed too")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, string name, string failure);
}
