using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Orleans.Chat.Persistence.Sqlite;

/// <summary>One open connection and its prepared commands, cached by SQL text. Not thread-safe: one user at a time.</summary>
internal sealed class SqliteSession : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteSession(string connectionString, int busyTimeoutMilliseconds, bool writer)
    {
        Connection = new SqliteConnection(connectionString);
        Connection.Open();
        using var pragma = Connection.CreateCommand();
        pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {busyTimeoutMilliseconds}");
        pragma.ExecuteNonQuery();
        if (writer)
        {
            // WAL lets readers run beside the writer; FULL syncs the WAL on every commit, so an acknowledged write survives a crash.
            pragma.CommandText = "PRAGMA journal_mode = WAL";
            var journalMode = pragma.ExecuteScalar() as string;
            pragma.CommandText = "PRAGMA synchronous = FULL";
            pragma.ExecuteNonQuery();
            pragma.CommandText = "PRAGMA synchronous";
            var synchronous = Convert.ToInt64(pragma.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase) || synchronous != 2)
            {
                Connection.Dispose();
                throw new InvalidOperationException($"SQLite refused WAL mode with synchronous=FULL (journal_mode={journalMode}, synchronous={synchronous}).");
            }
        }
        else
        {
            pragma.CommandText = "PRAGMA query_only = ON";
            pragma.ExecuteNonQuery();
        }
    }

    public SqliteConnection Connection { get; }

    public SqliteTransaction? Transaction { get; set; }

    /// <summary>The cached command for <paramref name="sql"/>, its parameters cleared, bound to the current transaction.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Parameters.Clear();
        command.Transaction = Transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        Connection.Dispose();
    }
}
