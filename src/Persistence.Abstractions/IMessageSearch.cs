namespace Orleans.Chat.Persistence;

/// <summary>One message an index search found: its log (conversation), its sequence (sortNumber), and its rank (higher is better).</summary>
public readonly record struct SearchHit(string LogId, long Sequence, double Rank);

/// <summary>
/// The full-text index of the messages, beside the message log in the same store. It holds words only, never who may see
/// them: the caller asks for the logs the reader may search and checks every hit with the conversation, which knows
/// what the reader may see now. Texts and terms are given already folded (lower case ASCII words, split by single
/// spaces: see the grains' <c>MessageSearchText</c>), so every store matches alike and no query syntax reaches a store.
/// </summary>
public interface IMessageSearch
{
    /// <summary>False where the store has no index (Azure Storage): nothing is indexed and a search cannot be answered.</summary>
    bool IsSupported { get; }

    /// <summary>Indexes <paramref name="text"/> as the entry at <paramref name="sequence"/>, replacing what it held.</summary>
    ValueTask IndexAsync(string logId, long sequence, string text, CancellationToken cancellationToken = default);

    /// <summary>Forgets the entry at <paramref name="sequence"/>; nothing happens if it is not indexed.</summary>
    ValueTask RemoveAsync(string logId, long sequence, CancellationToken cancellationToken = default);

    /// <summary>
    /// The entries of <paramref name="logIds"/> holding a word that starts with each of <paramref name="terms"/> (all of
    /// them), best first (then newest first), skipping <paramref name="offset"/> of them and returning at most
    /// <paramref name="limit"/>.
    /// </summary>
    ValueTask<IReadOnlyList<SearchHit>> SearchAsync(IReadOnlyCollection<string> logIds, IReadOnlyList<string> terms, int offset, int limit, CancellationToken cancellationToken = default);
}
