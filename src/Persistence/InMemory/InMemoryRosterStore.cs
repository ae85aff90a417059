using System.Collections.Concurrent;

namespace Orleans.Chat.Persistence.InMemory;

/// <summary>Rosters in memory: one dictionary per user, each guarded by its own lock.</summary>
public sealed class InMemoryRosterStore : IRosterStore
{
    private readonly ConcurrentDictionary<string, Dictionary<string, RosterRow>> _rosters = new(StringComparer.Ordinal);

    public ValueTask<IReadOnlyList<RosterRow>> ReadAsync(string userId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_rosters.TryGetValue(userId, out var roster))
        {
            return ValueTask.FromResult<IReadOnlyList<RosterRow>>([]);
        }

        lock (roster)
        {
            return ValueTask.FromResult<IReadOnlyList<RosterRow>>([.. roster.Values]);
        }
    }

    public ValueTask WriteAsync(string userId, IReadOnlyList<RosterRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        cancellationToken.ThrowIfCancellationRequested();
        var roster = _rosters.GetOrAdd(userId, static _ => new Dictionary<string, RosterRow>(StringComparer.Ordinal));
        lock (roster)
        {
            foreach (var row in rows)
            {
                if (!roster.TryGetValue(row.ConversationId, out var stored) || stored.Revision <= row.Revision)
                {
                    roster[row.ConversationId] = row;
                }
            }
        }

        return ValueTask.CompletedTask;
    }
}
