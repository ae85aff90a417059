using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence.Postgres;
using Orleans.Chat.Persistence.Sqlite;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>
/// A real process appends through the store and prints each acknowledgement; the test kills it with SIGKILL and checks
/// that every acknowledged append is in the store, and that no log has a gap.
/// </summary>
public sealed class CrashTests
{
    private const int Acknowledgements = 3_000;

    [Fact]
    public async Task Kill_SqliteWriterMidLoad_EveryAcknowledgedAppendIsStored()
    {
        var directory = Path.Combine(Path.GetTempPath(), "orleans-chat-tests", TestData.NewKey());
        var path = Path.Combine(directory, "chat.db");
        try
        {
            var acknowledged = await RunAndKillAsync("sqlite", path);

            await using var store = new SqliteStore(Options.Create(new SqliteStorageOptions { Path = path }));
            await AssertStoredAsync(new SqliteMessageLog(store), acknowledged);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Kill_PostgresWriterMidLoad_EveryAcknowledgedAppendIsStored()
    {
        var schema = PostgresTestDatabase.NewSchema();
        try
        {
            var acknowledged = await RunAndKillAsync("postgres", PostgresTestDatabase.ConnectionString, schema);

            await using var store = new PostgresStore(Options.Create(new PostgresStorageOptions { ConnectionString = PostgresTestDatabase.ConnectionString, Schema = schema }));
            await AssertStoredAsync(new PostgresMessageLog(store), acknowledged);
        }
        finally
        {
            await PostgresTestDatabase.DropSchemaAsync(schema);
        }
    }

    private static async Task<Dictionary<string, long>> RunAndKillAsync(params string[] arguments)
    {
        var writer = Path.Combine(AppContext.BaseDirectory, "Orleans.Chat.Storage.Benchmarks.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add("crash-writer");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("The crash writer did not start.");
        var errors = process.StandardError.ReadToEndAsync();
        var acknowledged = new Dictionary<string, long>();
        var count = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (count < Acknowledgements && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                count += Record(acknowledged, line);
            }
        }
        finally
        {
            process.Kill(); // SIGKILL on Linux: no shutdown, no flushing
            await process.WaitForExitAsync();
        }

        // Acknowledgements printed before the kill are still in the pipe.
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            count += Record(acknowledged, line);
        }

        Assert.True(count >= Acknowledgements, $"The crash writer stopped after {count} acknowledgements: {await errors}");
        return acknowledged;
    }

    private static int Record(Dictionary<string, long> acknowledged, string line)
    {
        if (line.Split(' ') is not ["ack", var logId, var sequence])
        {
            return 0;
        }

        var value = long.Parse(sequence, CultureInfo.InvariantCulture);
        acknowledged[logId] = Math.Max(value, acknowledged.GetValueOrDefault(logId));
        return 1;
    }

    private static async Task AssertStoredAsync(IMessageLog log, Dictionary<string, long> acknowledged)
    {
        foreach (var (logId, lastAcknowledged) in acknowledged)
        {
            var entries = await log.ReadAsync(logId, 0, LogDirection.Forward, int.MaxValue);

            // Each sender appends in order and waits for each acknowledgement, so its log is 1..n with n >= the last acknowledged.
            Assert.True(entries.Count >= lastAcknowledged, $"{logId}: {entries.Count} stored, {lastAcknowledged} acknowledged");
            Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
            Assert.Equal($"payload {lastAcknowledged}", entries[(int)lastAcknowledged - 1].Payload);
            Assert.Equal(lastAcknowledged, (await log.FindByIdempotencyKeyAsync(logId, $"client-{lastAcknowledged}"))?.Sequence);
        }
    }
}
