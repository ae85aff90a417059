namespace Orleans.Chat.Persistence;

/// <summary>
/// The message index of a store that has none (Azure Storage: Table Storage has no full-text query, and a scan of every
/// conversation's partition per search is not an answer). Indexing does nothing; a search is refused by the caller
/// (<see cref="IsSupported"/>), which answers <c>not-supported</c>.
/// </summary>
public sealed class UnsupportedMessageSearch : IMessageSearch
{
    public bool IsSupported => false;

    public ValueTask IndexAsync(string logId, long sequence, string text, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask RemoveAsync(string logId, long sequence, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<IReadOnlyList<SearchHit>> SearchAsync(IReadOnlyCollection<string> logIds, IReadOnlyList<string> terms, int offset, int limit, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("This store has no message index.");
}
