namespace Orleans.Chat.Persistence;

/// <summary>
/// One entry of a user's roster: a conversation as the user's grain last stored it. <see cref="Revision"/> is the
/// conversation's revision of the entry (it only grows); <see cref="Payload"/> is the JSON the grain serialized.
/// </summary>
public sealed record RosterRow(string ConversationId, long Revision, string Payload);

/// <summary>
/// A user's roster, one row per conversation, so that changing an entry writes that entry and not the whole roster.
/// The user's grain is the only writer of its rows; the revision guard keeps a stale activation (Orleans may briefly
/// run two of one grain around a silo's failure) from putting back an older entry over a newer one.
/// </summary>
public interface IRosterStore
{
    /// <summary>Every row of the user's roster, in no particular order; empty for a user with none.</summary>
    ValueTask<IReadOnlyList<RosterRow>> ReadAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the rows in one commit: all of them or (when it throws) none. A row replaces the stored row of its
    /// conversation only when its <see cref="RosterRow.Revision"/> is at least the stored one; a row with a lower
    /// revision is skipped without error. Returns once committed, so a written row survives a killed process.
    /// Azure Table Storage commits at most 100 rows (4 MiB) of a user at once: a larger write commits in parts, and one
    /// that throws may have stored some of them. Callers can live with that, because a row only ever moves forward.
    /// </summary>
    ValueTask WriteAsync(string userId, IReadOnlyList<RosterRow> rows, CancellationToken cancellationToken = default);
}
