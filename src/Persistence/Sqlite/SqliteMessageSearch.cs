using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Orleans.Chat.Persistence.GroupCommit;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>
/// The message index on SQLite: an FTS5 table (migration 7) of each message's words (<c>body</c>) and a token naming its
/// conversation (<c>scope</c>), ranked by bm25 on the words alone. A search matches the scope tokens of the reader's
/// conversations in the same full-text query, so FTS5 intersects posting lists instead of ranking every message in the
/// store that holds the word and dropping the others. The table keeps no text (contentless, with deletes); its rowid is
/// the id of the entry's row in <c>message_search_keys</c>, which finds it by log and sequence. Writes go through the
/// store's group-commit writer like every other write.
/// </summary>
internal sealed class SqliteMessageSearch(SqliteStore store) : IMessageSearch
{
    public bool IsSupported => true;

    public ValueTask IndexAsync(string logId, long sequence, string text, CancellationToken cancellationToken = default) =>
        new(store.WriteAsync(new SearchIndexWrite(logId, sequence, text, cancellationToken)));

    public ValueTask RemoveAsync(string logId, long sequence, CancellationToken cancellationToken = default) =>
        new(store.WriteAsync(new SearchIndexWrite(logId, sequence, null, cancellationToken)));

    public async ValueTask<IReadOnlyList<SearchHit>> SearchAsync(IReadOnlyCollection<string> logIds, IReadOnlyList<string> terms, int offset, int limit, CancellationToken cancellationToken = default)
    {
        if (logIds.Count == 0 || terms.Count == 0 || limit <= 0)
        {
            return [];
        }

        // Terms are words of [a-z0-9] (the contract), quoted anyway so that no input is ever FTS5 syntax.
        var match = "body : (" + string.Join(" AND ", terms.Select(t => "\"" + t.Replace("\"", "", StringComparison.Ordinal) + "\"*"))
            + ") AND scope : (" + string.Join(" OR ", logIds.Distinct(StringComparer.Ordinal).Select(l => "\"" + ScopeOf(l) + "\"")) + ")";
        return await store.ReadAsync(
            (match, logs: SqliteSql.JsonArray(logIds), offset, limit),
            static (session, query) =>
            {
                var command = session.Command(Search);
                command.Parameters.AddWithValue("@match", query.match);
                command.Parameters.AddWithValue("@logs", query.logs);
                command.Parameters.AddWithValue("@limit", query.limit);
                command.Parameters.AddWithValue("@offset", query.offset);
                var hits = new List<SearchHit>(query.limit);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    hits.Add(new SearchHit(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2)));
                }

                return (IReadOnlyList<SearchHit>)hits;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One word naming a log, for FTS5 to match: 16 hex digits of its SHA-256 (stable across processes, unlike
    /// string.GetHashCode). A collision only brings another log's hits, which the join on the log id drops.
    /// </summary>
    internal static string ScopeOf(string logId) =>
        "s" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(logId)), 0, 8);

    // bm25 ranks lower as better: negated, so that every store ranks higher as better. The scope column weighs nothing.
    private const string Search = """
        SELECT k.log_id, k.seq, -bm25(message_search, 1.0, 0.0) AS rank
        FROM message_search JOIN message_search_keys k ON k.id = message_search.rowid
        WHERE message_search MATCH @match AND k.log_id IN (SELECT value FROM json_each(@logs))
        ORDER BY rank DESC, k.seq DESC, k.log_id
        LIMIT @limit OFFSET @offset
        """;

    internal const string UpsertKey = """
        INSERT INTO message_search_keys (log_id, seq) VALUES (@log, @seq)
        ON CONFLICT (log_id, seq) DO UPDATE SET seq = excluded.seq
        RETURNING id
        """;

    internal const string FindKey = "SELECT id FROM message_search_keys WHERE log_id = @log AND seq = @seq";

    internal const string DeleteKey = "DELETE FROM message_search_keys WHERE id = @id";

    internal const string DeleteRow = "DELETE FROM message_search WHERE rowid = @id";

    internal const string InsertRow = "INSERT INTO message_search (rowid, body, scope) VALUES (@id, @body, @scope)";
}

/// <summary>Indexes the text of one log entry (replacing what the index held), or forgets the entry (text null). Result: true.</summary>
internal sealed class SearchIndexWrite(string logId, long sequence, string? text, CancellationToken cancellationToken)
    : StorageWrite<bool>(cancellationToken)
{
    public string LogId { get; } = logId;

    public long Sequence { get; } = sequence;

    public string? Text { get; } = text;

    public override string PartitionKey => LogId;
}

/// <summary>The writer's side of <see cref="SqliteMessageSearch"/>.</summary>
public sealed partial class SqliteStore
{
    private static void WriteSearchIndex(SqliteSession session, SearchIndexWrite write)
    {
        long? id;
        if (write.Text is null)
        {
            var find = session.Command(SqliteMessageSearch.FindKey);
            find.Parameters.AddWithValue("@log", write.LogId);
            find.Parameters.AddWithValue("@seq", write.Sequence);
            id = find.ExecuteScalar() is long found ? found : null;
        }
        else
        {
            var upsert = session.Command(SqliteMessageSearch.UpsertKey);
            upsert.Parameters.AddWithValue("@log", write.LogId);
            upsert.Parameters.AddWithValue("@seq", write.Sequence);
            id = Convert.ToInt64(upsert.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        if (id is { } rowId)
        {
            var delete = session.Command(SqliteMessageSearch.DeleteRow);
            delete.Parameters.AddWithValue("@id", rowId);
            delete.ExecuteNonQuery();
            if (write.Text is { } text)
            {
                var insert = session.Command(SqliteMessageSearch.InsertRow);
                insert.Parameters.AddWithValue("@id", rowId);
                insert.Parameters.AddWithValue("@body", text);
                insert.Parameters.AddWithValue("@scope", SqliteMessageSearch.ScopeOf(write.LogId));
                insert.ExecuteNonQuery();
            }
            else
            {
                var forget = session.Command(SqliteMessageSearch.DeleteKey);
                forget.Parameters.AddWithValue("@id", rowId);
                forget.ExecuteNonQuery();
            }
        }

        write.StageResult(true);
    }
}
