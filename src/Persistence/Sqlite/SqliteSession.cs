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
        pragma.CommandText = writer
            ? $"PRAGMA busy_timeout = {busyTimeoutMilliseconds}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
            : $"PRAGMA busy_timeout = {busyTimeoutMilliseconds}; PRAGMA query_only = ON;";
        pragma.ExecuteNonQuery();
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
