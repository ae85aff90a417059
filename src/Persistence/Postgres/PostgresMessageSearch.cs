namespace Orleans.Chat.Persistence.Postgres;

/// <summary>
/// The message index on PostgreSQL: a row per text message with its words as a <c>tsvector</c> of the <c>simple</c>
/// configuration (the text comes folded and split already, so no stemming or stop words), under a GIN index (migration 8).
/// A search asks for the reader's conversations (<c>log_id = ANY</c>, on the primary key) and the terms as prefixes
/// (<c>to_tsquery</c> of <c>term:*</c> joined by <c>&amp;</c>: the terms are words of [a-z0-9], so no input is ever
/// tsquery syntax), ranked by <c>ts_rank_cd</c>. Each write is its own statement on a pooled connection, right after the
/// log's commit; see the grains' <c>MessageSearchIndex</c> for what a crash between the two leaves.
/// </summary>
internal sealed class PostgresMessageSearch(PostgresStore store) : IMessageSearch
{
    private const string Upsert = """
        INSERT INTO message_search (log_id, seq, document) VALUES ($1, $2, to_tsvector('simple', $3))
        ON CONFLICT (log_id, seq) DO UPDATE SET document = excluded.document
        """;

    private const string Delete = "DELETE FROM message_search WHERE log_id = $1 AND seq = $2";

    private const string Search = """
        SELECT log_id, seq, ts_rank_cd(document, query) AS rank
        FROM message_search, to_tsquery('simple', $2) AS query
        WHERE log_id = ANY($1) AND document @@ query
        ORDER BY rank DESC, seq DESC, log_id
        LIMIT $3 OFFSET $4
        """;

    public bool IsSupported => true;

    public async ValueTask IndexAsync(string logId, long sequence, string text, CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(Upsert, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(logId));
        command.Parameters.Add(PostgresSql.Bigint(sequence));
        command.Parameters.Add(PostgresSql.Text(text));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask RemoveAsync(string logId, long sequence, CancellationToken cancellationToken = default)
    {
        await using var command = await store.CommandAsync(Delete, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.Text(logId));
        command.Parameters.Add(PostgresSql.Bigint(sequence));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<SearchHit>> SearchAsync(IReadOnlyCollection<string> logIds, IReadOnlyList<string> terms, int offset, int limit, CancellationToken cancellationToken = default)
    {
        if (logIds.Count == 0 || terms.Count == 0 || limit <= 0)
        {
            return [];
        }

        await using var command = await store.CommandAsync(Search, cancellationToken).ConfigureAwait(false);
        command.Parameters.Add(PostgresSql.TextArray(logIds));
        command.Parameters.Add(PostgresSql.Text(string.Join(" & ", terms.Select(t => t + ":*"))));
        command.Parameters.Add(PostgresSql.Integer(limit));
        command.Parameters.Add(PostgresSql.Integer(offset));
        var hits = new List<SearchHit>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hits.Add(new SearchHit(reader.GetString(0), reader.GetInt64(1), reader.GetFloat(2)));
        }

        return hits;
    }
}
