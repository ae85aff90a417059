using Azure;
using Azure.Data.Tables;
using Orleans.Chat.Persistence.AzureStorage;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>
/// What only the Azure Table log promises, on Azurite: group commit into entity-group transactions, the row layout, and
/// how a refused transaction, a retry and a second writer are answered.
/// </summary>
public sealed class AzureTableMessageLogTests : IAsyncLifetime
{
    private readonly List<string> _tables = [];
    private readonly List<AzureTableMessageLog> _logs = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var log in _logs)
        {
            await log.DisposeAsync();
        }

        if (AzuriteTestStorage.IsConfigured)
        {
            await AzuriteTestStorage.DeleteAsync(_tables.Distinct(), []);
        }
    }

    private AzureTableMessageLog NewLog(string? table = null, Action<AzureStorageOptions>? configure = null)
    {
        table ??= AzuriteTestStorage.NewTableName();
        _tables.Add(table);
        var log = AzuriteTestStorage.NewLog(table, configure);
        _logs.Add(log);
        return log;
    }

    private static LogEntry NewEntry(string logId, long sequence, string? key = null, string? payload = null) =>
        new(logId, sequence, TestData.NewKey(), key, "alice", new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero).AddTicks(sequence), payload ?? $"message {sequence}");

    private static async Task<List<TableEntity>> RowsAsync(string table, string partitionKey)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in AzuriteTestStorage.Table(table).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}")))
        {
            rows.Add(row);
        }

        return rows;
    }

    [AzuriteFact]
    public async Task AppendAsync_ManyConcurrentAppendsToOneLog_FewerTransactionsThanAppendsAndAllReadable()
    {
        var log = NewLog();
        var logId = TestData.NewKey();
        var entries = Enumerable.Range(1, 300).Select(i => NewEntry(logId, i, $"k{i}")).ToArray();

        var stored = await Task.WhenAll(entries.Select(entry => log.AppendAsync(entry).AsTask()));

        Assert.Equal(entries, stored);
        Assert.Equal(entries, await log.ReadAsync(logId, 0, LogDirection.Forward, 1_000));
        var statistics = log.Statistics;
        Assert.Equal(300, statistics.Entries);
        Assert.InRange(statistics.Transactions, 7, 299); // at most 49 keyed entries (99 operations with the head) per transaction
        Assert.InRange(statistics.LargestTransaction, 2, 49);
        Assert.Equal(0, statistics.FailedTransactions);
    }

    [AzuriteFact]
    public async Task AppendAsync_GroupCommitOff_OneTransactionPerAppend()
    {
        var log = NewLog(configure: options => options.GroupCommit = false);
        var logId = TestData.NewKey();

        await Task.WhenAll(Enumerable.Range(1, 30).Select(i => log.AppendAsync(NewEntry(logId, i, $"k{i}")).AsTask()));

        Assert.Equal(new AzureTableLogStatistics(30, 30, 1, 0), log.Statistics);
        Assert.Equal(30, await log.GetLastSequenceAsync(logId));
    }

    [AzuriteFact]
    public async Task AppendAsync_ManyLogsAtOnce_EachLogInItsOwnTransactionsAllReadable()
    {
        var log = NewLog(configure: options => options.WriterPartitions = 2);
        var logIds = Enumerable.Range(0, 20).Select(_ => TestData.NewKey()).ToArray();

        // Ten appends to each of twenty logs, issued at once: a batch holds several logs, each committed on its own.
        var attempts = logIds.SelectMany(logId => Enumerable.Range(1, 10).Select(i => log.AppendAsync(NewEntry(logId, i, $"k{i}")).AsTask())).ToArray();
        await Task.WhenAll(attempts);

        foreach (var logId in logIds)
        {
            Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), (await log.ReadAsync(logId, 0, LogDirection.Forward, 100)).Select(e => e.Sequence));
        }

        Assert.InRange(log.Statistics.Transactions, 20, 199);
        Assert.Equal(200, log.Statistics.Entries);
    }

    [AzuriteFact]
    public async Task AppendAsync_Rows_EntryByPaddedSequenceKeyRowAndHeadInTheLogsPartition()
    {
        var log = NewLog();
        var logId = "acme:alice/bob#1?";
        var first = await log.AppendAsync(NewEntry(logId, 1, "client/1"));
        var second = await log.AppendAsync(NewEntry(logId, 2));

        // '/', '#', '?' (and '%') cannot be in a key: escaped as %XX.
        var rows = await RowsAsync(log.TableName, "acme:alice%2Fbob%231%3F");
        Assert.Equal(["h", "i:client%2F1", "m:0000000000000000001", "m:0000000000000000002"], rows.Select(r => r.RowKey).Order(StringComparer.Ordinal));
        Assert.Equal(2, rows.Single(r => r.RowKey == "h").GetInt64("LastSequence"));
        Assert.Equal(1, rows.Single(r => r.RowKey == "i:client%2F1").GetInt64("Sequence"));
        var entry = rows.Single(r => r.RowKey == "m:0000000000000000001");
        Assert.Equal(first.EntryId, entry.GetString("EntryId"));
        Assert.Equal("client/1", entry.GetString("IdempotencyKey"));
        Assert.Equal(first.Timestamp.UtcTicks, entry.GetInt64("TimestampTicks"));
        Assert.False(rows.Single(r => r.RowKey == "m:0000000000000000002").ContainsKey("IdempotencyKey"));
        Assert.Equal([first, second], await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
    }

    [AzuriteFact]
    public async Task AppendAsync_PayloadAboveOneStringProperty_SplitIntoChunksWithoutBreakingASurrogatePair()
    {
        var log = NewLog();
        var logId = TestData.NewKey();

        // A pair straddling the first chunk's end (32,000 code units), and enough for four chunks.
        var payload = new string('a', 31_999) + "🌍" + string.Concat(Enumerable.Repeat("Grüße, 世界 👋🏽 ", 5_000));
        var entry = await log.AppendAsync(NewEntry(logId, 1, payload: payload));

        var row = Assert.Single(await RowsAsync(log.TableName, logId), r => r.RowKey.StartsWith("m:", StringComparison.Ordinal));
        Assert.Equal(31_999, row.GetString("Payload").Length);
        Assert.True(row.ContainsKey("Payload3"));
        Assert.All(row.Keys.Where(k => k.StartsWith("Payload", StringComparison.Ordinal)), k => Assert.InRange(row.GetString(k).Length, 1, 32_000));
        Assert.Equal(payload, Assert.Single(await log.ReadAsync(logId, 0, LogDirection.Forward, 10)).Payload);
        Assert.Equal(entry, await log.FindByIdAsync(logId, entry.EntryId));
    }

    [AzuriteFact]
    public async Task AppendAsync_PayloadAboveTheEntityLimit_FailsAloneAndWritesNothing()
    {
        var log = NewLog();
        var logId = TestData.NewKey();

        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(NewEntry(logId, 1, "big", new string('x', AzureTableRows.MaxPayloadLength + 1))).AsTask());
        var entry = await log.AppendAsync(NewEntry(logId, 1, "big", new string('x', AzureTableRows.MaxPayloadLength)));

        Assert.Equal(entry, Assert.Single(await log.ReadAsync(logId, 0, LogDirection.Forward, 10)));
    }

    [AzuriteFact]
    public async Task AppendAsync_OperationTheServiceRefusesInABatch_FailsOnlyThatAppend()
    {
        var log = NewLog();
        var logId = TestData.NewKey();
        await log.AppendAsync(NewEntry(logId, 1, "k1"));

        // In one batch: 2, then a 3 whose key row the service refuses (a key over 1 KiB), then another 3.
        var two = log.AppendAsync(NewEntry(logId, 2, "k2")).AsTask();
        var refused = log.AppendAsync(NewEntry(logId, 3, new string('x', 2_000))).AsTask();
        var three = NewEntry(logId, 3, "k3");
        var appended = log.AppendAsync(three).AsTask();

        var failure = await Assert.ThrowsAnyAsync<RequestFailedException>(() => refused);
        Assert.Equal(400, failure.Status);
        Assert.Equal(2, (await two).Sequence);
        Assert.Equal(three, await appended);
        Assert.Equal([1L, 2, 3], (await log.ReadAsync(logId, 0, LogDirection.Forward, 10)).Select(e => e.Sequence));
        Assert.True(log.Statistics.FailedTransactions >= 1);
    }

    [AzuriteFact]
    public async Task AppendAsync_LogIdTheServiceRefusesAsAKey_FailsThatLogsAppendsOnly()
    {
        var log = NewLog(configure: options => options.WriterPartitions = 1);
        var badLogId = new string('x', 2_000);
        var logId = TestData.NewKey();

        // One writer, so both logs are in the same batch.
        var refused = log.AppendAsync(NewEntry(badLogId, 1, "k1")).AsTask();
        var entry = NewEntry(logId, 1, "k1");
        var appended = log.AppendAsync(entry).AsTask();

        Assert.Equal(400, (await Assert.ThrowsAnyAsync<RequestFailedException>(() => refused)).Status);
        Assert.Equal(entry, await appended);
    }

    [AzuriteFact]
    public async Task AppendAsync_RetryOfAStoredKeyInABatch_GetsTheEarlierEntryAndTheOthersCommit()
    {
        var log = NewLog();
        var logId = TestData.NewKey();
        var first = await log.AppendAsync(NewEntry(logId, 1, "k1"));

        // The retry claims sequence 2 first, so its key row is what the transaction trips on; 2 and 3 then commit.
        var retry = log.AppendAsync(NewEntry(logId, 2, "k1", payload: "retry")).AsTask();
        var two = NewEntry(logId, 2, "k2");
        var three = NewEntry(logId, 3, "k3");
        var appended = new[] { log.AppendAsync(two).AsTask(), log.AppendAsync(three).AsTask() };

        Assert.Equal(first, await retry);
        Assert.Equal([two, three], await Task.WhenAll(appended));
        Assert.Equal(["h", "i:k1", "i:k2", "i:k3", "m:0000000000000000001", "m:0000000000000000002", "m:0000000000000000003"],
            (await RowsAsync(log.TableName, logId)).Select(r => r.RowKey).Order(StringComparer.Ordinal));
    }

    [AzuriteFact]
    public async Task AppendAsync_SecondWriterMovedTheHead_TheFirstRereadsItAndRefusesOnlyTakenSequences()
    {
        var table = AzuriteTestStorage.NewTableName();
        var first = NewLog(table);
        var second = NewLog(table);
        var logId = TestData.NewKey();
        for (var i = 1; i <= 3; i++)
        {
            await first.AppendAsync(NewEntry(logId, i));
        }

        // The second writer (a stale activation elsewhere) takes 4; the first still has 3 cached, so its 4 goes out with
        // the old head ETag, loses, and is refused as taken once the head is read again.
        var four = await second.AppendAsync(NewEntry(logId, 4));
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => first.AppendAsync(NewEntry(logId, 4)).AsTask());
        Assert.Contains("already holds sequence 4", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(1, first.Statistics.FailedTransactions);

        // The first continues from what it read; the second's cache (4) is now behind, so its 6 looks like a gap until
        // it reads the head: then it fits.
        var five = await first.AppendAsync(NewEntry(logId, 5));
        var six = await second.AppendAsync(NewEntry(logId, 6));
        await Assert.ThrowsAsync<InconsistentStateException>(() => second.AppendAsync(NewEntry(logId, 6)).AsTask());

        Assert.Equal(0, second.Statistics.FailedTransactions);
        Assert.Equal([four, five, six], await first.ReadAsync(logId, 3, LogDirection.Forward, 10));
        Assert.Equal(6, await first.GetLastSequenceAsync(logId));
    }

    [AzuriteFact]
    public async Task AppendAsync_IdenticalEntryAgainAfterItsAnswerWasLost_ReturnsItAndWritesNothing()
    {
        var table = AzuriteTestStorage.NewTableName();
        var log = NewLog(table);
        var logId = TestData.NewKey();
        var entry = await log.AppendAsync(NewEntry(logId, 1)); // no idempotency key

        // A second process (no cache) sends the very same entry: it is stored, so it is the answer, not a conflict.
        var other = NewLog(table);
        Assert.Equal(entry, await other.AppendAsync(entry));
        await Assert.ThrowsAsync<InconsistentStateException>(() => other.AppendAsync(entry with { Payload = "changed" }).AsTask());

        Assert.Equal(["h", "m:0000000000000000001"], (await RowsAsync(table, logId)).Select(r => r.RowKey).Order(StringComparer.Ordinal));
        Assert.Equal(1, await log.GetLastSequenceAsync(logId));
    }

    [AzuriteFact]
    public async Task ReadAsync_EntryRowWrittenBeforeTheFlag_IsNotHighPriority()
    {
        var log = NewLog();
        var logId = TestData.NewKey();
        var old = await log.AppendAsync(NewEntry(logId, 1, "k1"));

        // Make the row what the log wrote before entries had the flag: the same row without the property.
        var table = AzuriteTestStorage.Table(log.TableName);
        var row = (await table.GetEntityAsync<TableEntity>(logId, "m:0000000000000000001")).Value;
        Assert.False(row.GetBoolean("HighPriority"));
        row.Remove("HighPriority");
        await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        var high = await log.AppendAsync(NewEntry(logId, 2, "k2") with { HighPriority = true });

        Assert.Equal([old, high], await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal(old, await log.FindByIdempotencyKeyAsync(logId, "k1"));
        Assert.Equal(new LogCount(2, 1), await log.CountAsync(logId, 0, long.MaxValue, null));
        var rows = await RowsAsync(log.TableName, logId);
        Assert.False(rows.Single(r => r.RowKey == "m:0000000000000000001").ContainsKey("HighPriority"));
        Assert.True(rows.Single(r => r.RowKey == "m:0000000000000000002").GetBoolean("HighPriority"));
    }

    [AzuriteFact]
    public async Task ReadAsync_EntryRowWrittenBeforeTheCountedFlag_Counts()
    {
        var log = NewLog();
        var logId = TestData.NewKey();
        var old = await log.AppendAsync(NewEntry(logId, 1, "k1"));

        // Make the row what the log wrote before entries had the flag: the same row without the property.
        var table = AzuriteTestStorage.Table(log.TableName);
        var row = (await table.GetEntityAsync<TableEntity>(logId, "m:0000000000000000001")).Value;
        Assert.True(row.GetBoolean("Counted"));
        row.Remove("Counted");
        await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        var second = await log.AppendAsync(NewEntry(logId, 2, "k2"));

        Assert.Equal([old, second], await log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal(old, await log.FindByIdempotencyKeyAsync(logId, "k1"));
        Assert.Equal(new LogCount(2, 0), await log.CountAsync(logId, 0, long.MaxValue, null));

        Assert.True(await log.ReviseAsync(logId, 2, second.EntryId, "recalled", counted: false));
        Assert.Equal(new LogCount(1, 0), await log.CountAsync(logId, 0, long.MaxValue, null));
        var rows = await RowsAsync(log.TableName, logId);
        Assert.False(rows.Single(r => r.RowKey == "m:0000000000000000001").ContainsKey("Counted"));
        Assert.False(rows.Single(r => r.RowKey == "m:0000000000000000002").GetBoolean("Counted"));
    }

    [AzuriteFact]
    public async Task ReviseAsync_ChunkedPayloadToAShortOne_ReplacesTheRowWholeAndLeavesTheKeyRowAndHead()
    {
        var log = NewLog();
        var logId = TestData.NewKey();
        var entry = await log.AppendAsync(NewEntry(logId, 1, "k1", payload: new string('x', 100_000)));
        var before = await RowsAsync(log.TableName, logId);
        Assert.True(before.Single(r => r.RowKey == "m:0000000000000000001").ContainsKey("Payload3"));

        Assert.True(await log.ReviseAsync(logId, 1, entry.EntryId, "recalled", counted: false));

        // No chunk of the old payload stays in the row; the key row (the sequence only) and the head are untouched.
        var after = await RowsAsync(log.TableName, logId);
        var revised = after.Single(r => r.RowKey == "m:0000000000000000001");
        Assert.Equal("recalled", revised.GetString("Payload"));
        Assert.DoesNotContain(revised.Keys, key => key.StartsWith("Payload", StringComparison.Ordinal) && key != "Payload");
        foreach (var key in new[] { "h", "i:k1" })
        {
            Assert.Equal(before.Single(r => r.RowKey == key).ETag, after.Single(r => r.RowKey == key).ETag);
        }

        // The cached head still holds: the next append goes on from it.
        Assert.Equal(2, (await log.AppendAsync(NewEntry(logId, 2, "k2"))).Sequence);
        Assert.Equal(entry with { Payload = "recalled", Counted = false }, await log.FindByIdempotencyKeyAsync(logId, "k1"));
    }

    [AzuriteFact]
    public async Task ReadAsync_BackwardFromTheMiddleAndPastTheEnd_ReadsTheWindowBelow()
    {
        var log = NewLog();
        var logId = TestData.NewKey();
        var entries = await Task.WhenAll(Enumerable.Range(1, 120).Select(i => log.AppendAsync(NewEntry(logId, i)).AsTask()));

        Assert.Equal(entries.Take(99).Reverse().Take(50), await log.ReadAsync(logId, 100, LogDirection.Backward, 50));
        Assert.Equal(entries.Reverse().Take(3), await log.ReadAsync(logId, 1_000, LogDirection.Backward, 3));
        Assert.Equal(entries.Reverse(), await log.ReadAsync(logId, long.MaxValue, LogDirection.Backward, 1_000));
        Assert.Equal(entries.Skip(100), await log.ReadAsync(logId, 100, LogDirection.Forward, 1_000));
    }
}
