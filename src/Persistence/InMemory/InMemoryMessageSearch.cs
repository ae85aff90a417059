using System.Collections.Concurrent;

namespace Orleans.Chat.Persistence.InMemory;

/// <summary>
/// The message index in memory, for tests: the words of each entry, scanned on every search. Its rank is the share of an
/// entry's words that match a term, so a short message that is all match ranks above a long one that mentions it once.
/// </summary>
public sealed class InMemoryMessageSearch : IMessageSearch
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<long, string[]>> _logs = new(StringComparer.Ordinal);

    public bool IsSupported => true;

    public ValueTask IndexAsync(string logId, long sequence, string text, CancellationToken cancellationToken = default)
    {
        _logs.GetOrAdd(logId, static _ => new())[sequence] = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(string logId, long sequence, CancellationToken cancellationToken = default)
    {
        if (_logs.TryGetValue(logId, out var log))
        {
            log.TryRemove(sequence, out _);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<SearchHit>> SearchAsync(IReadOnlyCollection<string> logIds, IReadOnlyList<string> terms, int offset, int limit, CancellationToken cancellationToken = default)
    {
        var hits = new List<SearchHit>();
        foreach (var logId in logIds.Distinct(StringComparer.Ordinal))
        {
            foreach (var (sequence, words) in _logs.TryGetValue(logId, out var log) ? log : [])
            {
                if (terms.All(term => words.Any(word => word.StartsWith(term, StringComparison.Ordinal))))
                {
                    var matching = words.Count(word => terms.Any(term => word.StartsWith(term, StringComparison.Ordinal)));
                    hits.Add(new SearchHit(logId, sequence, (double)matching / words.Length));
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<SearchHit>>([.. hits
            .OrderByDescending(h => h.Rank)
            .ThenByDescending(h => h.Sequence)
            .ThenBy(h => h.LogId, StringComparer.Ordinal)
            .Skip(offset)
            .Take(limit)]);
    }
}
