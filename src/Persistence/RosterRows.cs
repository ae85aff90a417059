namespace Orleans.Chat.Persistence;

/// <summary>What the stores that cannot apply a write's rows one after another need of them.</summary>
internal static class RosterRows
{
    /// <summary>
    /// One row per conversation: the one that applying the rows in turn would leave stored (the highest revision; of
    /// equal ones, the last). PostgreSQL's upsert and Azure's entity transactions may touch a row only once.
    /// </summary>
    public static IReadOnlyList<RosterRow> LastPerConversation(IReadOnlyList<RosterRow> rows)
    {
        var last = new Dictionary<string, RosterRow>(rows.Count, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!last.TryGetValue(row.ConversationId, out var kept) || kept.Revision <= row.Revision)
            {
                last[row.ConversationId] = row;
            }
        }

        return last.Count == rows.Count ? rows : [.. last.Values];
    }
}
