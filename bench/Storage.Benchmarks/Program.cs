using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Chat.Persistence;
using Orleans.Chat.Persistence.GroupCommit;
using Orleans.Chat.Persistence.Postgres;
using Orleans.Chat.Persistence.Sqlite;
using Orleans.Chat.Storage.Benchmarks;

// Message-log append throughput and latency with N concurrent senders, per store, with group commit on and off.
// Usage: dotnet run -c Release --project bench/Storage.Benchmarks -- [--store sqlite|postgres|all] [--group-commit on|off|both]
//        [--senders 100] [--seconds 10] [--warmup 2] [--payload 200] [--postgres "<connection string>"] [--partitions 4]
//        [--journal-rows 8192] [--journal-chunk 512]
// PostgreSQL uses --postgres or ORLEANS_CHAT_TEST_POSTGRES (eval "$(scripts/postgres.sh start)").
//
// Also: grain-state [--writers 1,16,256]: grain state on PostgreSQL, our group-commit provider against Orleans' ADO.NET one.
// And: search [--store sqlite|postgres|all] [--messages 1000000] [--conversations 10000] [--queries 1000]: p50/p99 of
// message-index queries (see SearchBench).
// And: crash-writer sqlite <file> | crash-writer postgres <connection string> <schema>: 50 senders append to their own
// logs until the process is killed, printing "ack <log> <sequence>" for each acknowledged append (used by the
// persistence tests, which SIGKILL it and check that every acknowledged append is stored).
if (args is ["grain-state", ..])
{
    await GrainStateBench.RunAsync(args[1..]);
    return;
}

if (args is ["search", ..])
{
    await SearchBench.RunAsync(args[1..]);
    return;
}

if (args is ["crash-writer", ..])
{
    await CrashWriter.RunAsync(args[1..]);
    return;
}

var settings = Settings.Parse(args);
Console.WriteLine($"# {Environment.ProcessorCount} cores, .NET {Environment.Version}, {settings.Senders} senders, {settings.Seconds} s measured after {settings.Warmup} s warm-up, {settings.PayloadBytes}-byte payloads");
Console.WriteLine();
Console.WriteLine("| store | group commit | appends/s | p50 ms | p99 ms | max ms | commits | writes/commit | writer busy |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
foreach (var store in settings.Stores)
{
    foreach (var groupCommit in settings.GroupCommit)
    {
        var result = await Bench.RunAsync(store, groupCommit, settings);
        Console.WriteLine(result.ToMarkdownRow());
    }
}

internal sealed record Settings(string[] Stores, bool[] GroupCommit, int Senders, int Seconds, int Warmup, int PayloadBytes, string? Postgres, int Partitions, int JournalRows, int JournalChunk)
{
    public static Settings Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        int Number(string name, int fallback) => int.Parse(Value(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        var store = Value("--store", "all");
        var groupCommit = Value("--group-commit", "both");
        return new Settings(
            store == "all" ? ["sqlite", "postgres"] : [store],
            groupCommit switch { "on" => [true], "off" => [false], _ => [true, false] },
            Number("--senders", 100),
            Number("--seconds", 10),
            Number("--warmup", 2),
            Number("--payload", 200),
            Value("--postgres", Environment.GetEnvironmentVariable("ORLEANS_CHAT_TEST_POSTGRES") ?? string.Empty) is { Length: > 0 } cs ? cs : null,
            Number("--partitions", new PostgresStorageOptions().WriterPartitions),
            Number("--journal-rows", new SqliteStorageOptions().JournalCheckpointRows),
            Number("--journal-chunk", new SqliteStorageOptions().JournalCheckpointChunk));
    }
}

internal sealed record BenchResult(string Store, bool GroupCommit, double AppendsPerSecond, double P50, double P99, double Max, long Commits, double WritesPerCommit, double WriterBusy)
{
    public string ToMarkdownRow() => string.Create(
        CultureInfo.InvariantCulture,
        $"| {Store} | {(GroupCommit ? "on" : "off (batch of 1)")} | {AppendsPerSecond:N0} | {P50:F2} | {P99:F2} | {Max:F1} | {Commits:N0} | {WritesPerCommit:F1} | {WriterBusy:P0} |");
}

internal static class Bench
{
    public static async Task<BenchResult> RunAsync(string store, bool groupCommit, Settings settings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        string? directory = null;
        string? schema = null;
        if (store == "sqlite")
        {
            directory = Path.Combine(Path.GetTempPath(), "orleans-chat-bench-" + Guid.NewGuid().ToString("N"));
            services.AddSqliteStorage(options =>
            {
                options.Path = Path.Combine(directory, "chat.db");
                options.GroupCommit = groupCommit;
                options.JournalCheckpointRows = settings.JournalRows;
                options.JournalCheckpointChunk = settings.JournalChunk;
            });
        }
        else
        {
            var connectionString = settings.Postgres ?? throw new InvalidOperationException("PostgreSQL needs --postgres or ORLEANS_CHAT_TEST_POSTGRES (eval \"$(scripts/postgres.sh start)\").");
            schema = "bench_" + Guid.NewGuid().ToString("N");
            services.AddPostgresStorage(options =>
            {
                options.ConnectionString = connectionString;
                options.Schema = schema;
                options.GroupCommit = groupCommit;
                options.WriterPartitions = settings.Partitions;
            });
        }

        var provider = services.BuildServiceProvider();
        try
        {
            Func<GroupCommitStatistics> statistics;
            SqliteStore? sqlite = null;
            if (store == "sqlite")
            {
                sqlite = provider.GetRequiredService<SqliteStore>();
                statistics = () => sqlite.WriterStatistics;
            }
            else
            {
                var postgres = provider.GetRequiredService<PostgresStore>();
                await postgres.MigrateAsync();
                statistics = () => postgres.WriterStatistics;
            }

            var log = provider.GetRequiredService<IMessageLog>();
            var result = await MeasureAsync(store, groupCommit, log, statistics, settings);
            if (sqlite is not null)
            {
                var (checkpoints, entries, elapsed) = sqlite.CheckpointStatistics;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"#   sqlite journal: {checkpoints} checkpoints moved {entries} entries in {elapsed.TotalMilliseconds:F0} ms ({(entries == 0 ? 0 : elapsed.TotalMicroseconds / entries):F1} us per entry, {(checkpoints == 0 ? 0 : elapsed.TotalMilliseconds / checkpoints):F1} ms per checkpoint)"));
            }

            return result;
        }
        finally
        {
            await provider.DisposeAsync();
            if (directory is not null)
            {
                Directory.Delete(directory, recursive: true);
            }

            if (schema is not null)
            {
                await using var dataSource = NpgsqlDataSource.Create(settings.Postgres!);
                await using var drop = dataSource.CreateCommand($"DROP SCHEMA \"{schema}\" CASCADE");
                await drop.ExecuteNonQueryAsync();
            }
        }
    }

    private static async Task<BenchResult> MeasureAsync(string store, bool groupCommit, IMessageLog log, Func<GroupCommitStatistics> statistics, Settings settings)
    {
        var payload = "{\"text\":\"" + new string('x', Math.Max(0, settings.PayloadBytes - 11)) + "\"}";
        var run = Guid.NewGuid().ToString("N")[..8];
        var measuring = 0;
        var stop = 0;
        var latencies = new List<long>[settings.Senders];

        // Each sender is a conversation's single writer: it appends to its own log with increasing sequence numbers
        // and waits for each acknowledgement, as a conversation grain does.
        var senders = Enumerable.Range(0, settings.Senders).Select(sender => Task.Run(async () =>
        {
            var samples = latencies[sender] = new List<long>(1 << 16);
            var logId = $"bench-{run}-{sender}";
            long sequence = 0;
            while (Volatile.Read(ref stop) == 0)
            {
                sequence++;
                var entry = new LogEntry(logId, sequence, $"{logId}-{sequence}", $"client-{sequence}", $"user-{sender}", DateTimeOffset.UtcNow, payload);
                var started = Stopwatch.GetTimestamp();
                await log.AppendAsync(entry);
                if (Volatile.Read(ref measuring) == 1)
                {
                    samples.Add(Stopwatch.GetTimestamp() - started);
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(settings.Warmup));
        var before = statistics();
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(TimeSpan.FromSeconds(settings.Seconds));
        Volatile.Write(ref measuring, 0);
        clock.Stop();
        var after = statistics();
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(senders);

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double Percentile(double p) => all.Length == 0 ? double.NaN : Milliseconds(all[Math.Min(all.Length - 1, (int)(p * all.Length))]);
        var commits = after.Commits - before.Commits;
        return new BenchResult(
            store,
            groupCommit,
            all.Length / clock.Elapsed.TotalSeconds,
            Percentile(0.50),
            Percentile(0.99),
            all.Length == 0 ? double.NaN : Milliseconds(all[^1]),
            commits,
            commits == 0 ? 0 : (after.Writes - before.Writes) / (double)commits,
            (after.BusyTime - before.BusyTime) / clock.Elapsed);
    }
}

internal static class CrashWriter
{
    public static async Task RunAsync(string[] args)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (args is ["sqlite", var path])
        {
            // Small journal checkpoints, so that the kill can land in the middle of one.
            services.AddSqliteStorage(options =>
            {
                options.Path = path;
                options.JournalCheckpointRows = 200;
                options.JournalCheckpointChunk = 100;
            });
        }
        else if (args is ["postgres", var connectionString, var schema])
        {
            services.AddPostgresStorage(options =>
            {
                options.ConnectionString = connectionString;
                options.Schema = schema;
            });
        }
        else
        {
            throw new ArgumentException("usage: crash-writer sqlite <file> | crash-writer postgres <connection string> <schema>");
        }

        var provider = services.BuildServiceProvider();
        var log = provider.GetRequiredService<IMessageLog>();
        var output = Console.Out;
        await output.WriteLineAsync("ready");
        await Task.WhenAll(Enumerable.Range(0, 50).Select(sender => Task.Run(async () =>
        {
            var logId = $"crash-{sender}";
            for (long sequence = 1; ; sequence++)
            {
                await log.AppendAsync(new LogEntry(logId, sequence, $"{logId}-{sequence}", $"client-{sequence}", "writer", DateTimeOffset.UnixEpoch, $"payload {sequence}"));
                await output.WriteLineAsync($"ack {logId} {sequence}");
            }
        })));
    }
}
