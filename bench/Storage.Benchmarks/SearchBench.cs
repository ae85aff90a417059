using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Orleans.Chat.Persistence;
using Orleans.Chat.Persistence.Postgres;
using Orleans.Chat.Persistence.Sqlite;

namespace Orleans.Chat.Storage.Benchmarks;

/// <summary>
/// Message search (<see cref="IMessageSearch"/>) over a large index: fills it with <c>--messages</c> generated messages in
/// <c>--conversations</c> conversations in one bulk load (one SQLite transaction; PostgreSQL COPY into a staging table, then
/// one INSERT ... SELECT to_tsvector), then times <c>--queries</c> searches of one or two words (the last one often a prefix,
/// words drawn from the same Zipf distribution as the text, so common words are asked too), scoped to a user's
/// <c>--scope</c> conversations and to one conversation, one at a time. The time is the index query's (what the store
/// answers), not the conversations' per-reader check that follows it in the server.
/// Usage: search [--store sqlite|postgres|all] [--messages 1000000] [--conversations 10000] [--scope 100] [--queries 1000] [--postgres "..."]
/// </summary>
internal static class SearchBench
{
    public static async Task RunAsync(string[] args)
    {
        string Value(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        int Number(string name, int fallback) => int.Parse(Value(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var store = Value("--store", "all");
        var messages = Number("--messages", 1_000_000);
        var conversations = Number("--conversations", 10_000);
        var scope = Number("--scope", 100);
        var queries = Number("--queries", 1_000);
        var postgres = Value("--postgres", Environment.GetEnvironmentVariable("ORLEANS_CHAT_TEST_POSTGRES") ?? "");

        var text = new TextGenerator(seed: 42);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {Environment.ProcessorCount} cores, .NET {Environment.Version}; {messages:N0} messages in {conversations:N0} conversations; {queries:N0} queries per scope; top 20 hits per query"));
        Console.WriteLine();
        Console.WriteLine("| store | load s | scope | p50 ms | p90 ms | p99 ms | max ms | mean hits |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|");
        foreach (var name in store == "all" ? new[] { "sqlite", "postgres" } : [store])
        {
            var services = new ServiceCollection();
            services.AddLogging();
            var directory = Path.Combine(Path.GetTempPath(), "orleans-chat-search-bench-" + Guid.NewGuid().ToString("N"));
            var schema = "bench_" + Guid.NewGuid().ToString("N");
            if (name == "sqlite")
            {
                services.AddSqliteStorage(options => options.Path = Path.Combine(directory, "chat.db"));
            }
            else
            {
                services.AddPostgresStorage(options =>
                {
                    options.ConnectionString = postgres is { Length: > 0 } ? postgres : throw new InvalidOperationException("PostgreSQL needs --postgres or ORLEANS_CHAT_TEST_POSTGRES.");
                    options.Schema = schema;
                });
            }

            await using var provider = services.BuildServiceProvider();
            var load = Stopwatch.StartNew();
            if (name == "sqlite")
            {
                var sqlite = provider.GetRequiredService<SqliteStore>();
                LoadSqlite(sqlite.FilePath, messages, conversations, text);
            }
            else
            {
                var store2 = provider.GetRequiredService<PostgresStore>();
                await store2.MigrateAsync();
                await LoadPostgresAsync(store2.DataSource, messages, conversations, text);
            }

            load.Stop();
            var search = provider.GetRequiredService<IMessageSearch>();
            var random = new Random(7);
            foreach (var (label, size) in new[] { ($"{scope} conversations", scope), ("1 conversation", 1) })
            {
                var times = new List<double>(queries);
                long hits = 0;
                for (var i = 0; i < queries + 20; i++)
                {
                    var logs = Enumerable.Range(0, size).Select(_ => LogId(random.Next(conversations))).ToArray();
                    var terms = text.Query(random);
                    var started = Stopwatch.GetTimestamp();
                    var found = await search.SearchAsync(logs, terms, 0, 20);
                    if (i >= 20)
                    {
                        times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        hits += found.Count;
                    }
                }

                times.Sort();
                double At(double q) => times[(int)Math.Min(times.Count - 1, Math.Ceiling(q * times.Count) - 1)];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {load.Elapsed.TotalSeconds:F0} | {label} | {At(0.5):F2} | {At(0.9):F2} | {At(0.99):F2} | {times[^1]:F1} | {(double)hits / queries:F1} |"));
            }

            if (name == "postgres")
            {
                await using var drop = provider.GetRequiredService<PostgresStore>().DataSource.CreateCommand($"DROP SCHEMA \"{schema}\" CASCADE");
                await drop.ExecuteNonQueryAsync();
            }
            else
            {
                await provider.DisposeAsync();
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static string LogId(int conversation) => string.Create(CultureInfo.InvariantCulture, $"org-bench:user-{conversation:D5}:user-{conversation * 7 % 10_007:D5}");

    /// <summary>Straight into the index tables in one transaction, on a connection of its own (the store's writer is idle).</summary>
    private static void LoadSqlite(string path, int messages, int conversations, TextGenerator text)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var key = connection.CreateCommand();
        key.CommandText = "INSERT INTO message_search_keys (id, log_id, seq) VALUES ($id, $log, $seq)";
        using var row = connection.CreateCommand();
        row.CommandText = "INSERT INTO message_search (rowid, body, scope) VALUES ($id, $body, $scope)";
        var (keyId, keyLog, keySeq) = (key.Parameters.Add("$id", SqliteType.Integer), key.Parameters.Add("$log", SqliteType.Text), key.Parameters.Add("$seq", SqliteType.Integer));
        var (rowId, rowBody, rowScope) = (row.Parameters.Add("$id", SqliteType.Integer), row.Parameters.Add("$body", SqliteType.Text), row.Parameters.Add("$scope", SqliteType.Text));
        var random = new Random(1);
        var sequences = new long[conversations];
        for (var i = 1; i <= messages; i++)
        {
            var conversation = random.Next(conversations);
            var log = LogId(conversation);
            keyId.Value = rowId.Value = i;
            keyLog.Value = log;
            keySeq.Value = ++sequences[conversation];
            key.ExecuteNonQuery();
            rowBody.Value = text.Message(random);
            rowScope.Value = SqliteMessageSearch.ScopeOf(log);
            row.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static async Task LoadPostgresAsync(NpgsqlDataSource dataSource, int messages, int conversations, TextGenerator text)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE staging (log_id text, seq bigint, body text)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var random = new Random(1);
        var sequences = new long[conversations];
        await using (var copy = await connection.BeginBinaryImportAsync("COPY staging (log_id, seq, body) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i <= messages; i++)
            {
                var conversation = random.Next(conversations);
                await copy.StartRowAsync();
                await copy.WriteAsync(LogId(conversation), NpgsqlDbType.Text);
                await copy.WriteAsync(++sequences[conversation], NpgsqlDbType.Bigint);
                await copy.WriteAsync(text.Message(random), NpgsqlDbType.Text);
            }

            await copy.CompleteAsync();
        }

        foreach (var sql in new[] { "INSERT INTO message_search (log_id, seq, document) SELECT log_id, seq, to_tsvector('simple', body) FROM staging", "ANALYZE message_search" })
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// Chat-like text: 2 to 20 words drawn by Zipf's law (s = 1.1) from a vocabulary of 300 common English words followed
    /// by 20,000 made-up ones, so a few words are in most messages and most words are rare.
    /// </summary>
    private sealed class TextGenerator
    {
        private static readonly string[] Common = """
            the be to of and a in that have i it for not on with he as you do at this but his by from they we say her she or an
            will my one all would there their what so up out if about who get which go me when make can like time no just him know
            take people into year your good some could them see other than then now look only come its over think also back after
            use two how our work first well way even new want because any these give day most us is are was were been has had did
            meeting report call today tomorrow lunch coffee project deadline update review please thanks thank hello hi okay sure
            team client budget plan draft send sent email file document slides demo launch release bug fix test build deploy server
            customer order invoice price contract sign schedule week monday tuesday wednesday thursday friday weekend morning night
            office home remote late early soon later sorry problem issue question answer idea great nice cool awesome happy birthday
            """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);

        private readonly string[] _words;
        private readonly double[] _cumulative;

        public TextGenerator(int seed)
        {
            var random = new Random(seed);
            string[] syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zi", "pa", "de", "fu", "go", "hi", "ja", "bre", "tor", "lin", "mar", "sen"];
            var made = new HashSet<string>(StringComparer.Ordinal);
            while (made.Count < 20_000)
            {
                var word = string.Concat(Enumerable.Range(0, random.Next(2, 5)).Select(_ => syllables[random.Next(syllables.Length)]));
                if (!Common.Contains(word))
                {
                    made.Add(word);
                }
            }

            _words = [.. Common.Distinct(), .. made];
            _cumulative = new double[_words.Length];
            var total = 0.0;
            for (var i = 0; i < _words.Length; i++)
            {
                total += 1 / Math.Pow(i + 1, 1.1);
                _cumulative[i] = total;
            }

            for (var i = 0; i < _words.Length; i++)
            {
                _cumulative[i] /= total;
            }
        }

        public string Message(Random random) => string.Join(' ', Enumerable.Range(0, random.Next(2, 21)).Select(_ => Word(random)));

        /// <summary>One or two words; the last one cut to a prefix of 3+ letters half the time.</summary>
        public string[] Query(Random random)
        {
            var words = Enumerable.Range(0, random.Next(1, 3)).Select(_ => Word(random)).ToArray();
            if (random.Next(2) == 0 && words[^1].Length > 3)
            {
                words[^1] = words[^1][..random.Next(3, words[^1].Length)];
            }

            return words;
        }

        private string Word(Random random)
        {
            var index = Array.BinarySearch(_cumulative, random.NextDouble());
            return _words[Math.Min(_words.Length - 1, index < 0 ? ~index : index)];
        }
    }
}
