namespace Orleans.Chat.Persistence;

/// <summary>A blob's content went past the size its writer allowed (<see cref="IBlobStore.WriteAsync"/>); nothing was stored.</summary>
public sealed class BlobTooLargeException(long maxBytes)
    : Exception($"The content is larger than {maxBytes} bytes.")
{
    /// <summary>The limit the content went past.</summary>
    public long MaxBytes { get; } = maxBytes;
}
