using Orleans.Storage;

namespace Orleans.Chat.Persistence.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="IMessageLog"/> must have. Each store gets a subclass that supplies its log through a
/// class fixture; every test uses fresh log ids, so the tests of one class can share a store.
/// </summary>
public abstract class MessageLogContractTests(IMessageLogFixture fixture)
{
    protected IMessageLog Log => fixture.Log;

    protected static LogEntry NewEntry(string logId, long sequence, string? idempotencyKey = null, string author = "alice", string? payload = null, bool highPriority = false) =>
        new(
            logId,
            sequence,
            TestData.NewKey(),
            idempotencyKey,
            author,
            new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero).AddTicks(sequence * 1_234_567),
            payload ?? $$"""{"text":"message {{sequence}}"}""",
            highPriority);

    protected async Task<List<LogEntry>> AppendRangeAsync(string logId, int count, Func<long, string>? author = null, Func<long, bool>? highPriority = null)
    {
        var entries = new List<LogEntry>(count);
        for (var sequence = 1; sequence <= count; sequence++)
        {
            entries.Add(await Log.AppendAsync(NewEntry(logId, sequence, $"client-{sequence}", author?.Invoke(sequence) ?? "alice", highPriority: highPriority?.Invoke(sequence) ?? false)));
        }

        return entries;
    }

    /// <summary>Awaits every append: true for a success, false for a refused sequence (anything else fails the test).</summary>
    protected static Task<bool[]> OutcomesAsync(IEnumerable<Task<LogEntry>> attempts) =>
        Task.WhenAll(attempts.Select(async attempt =>
        {
            try
            {
                await attempt;
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

    [Fact]
    public async Task AppendAsync_NewEntry_ReturnsItAndItCanBeFoundByIdAndKey()
    {
        var logId = TestData.NewKey();
        var entry = NewEntry(logId, 1, "client-1");

        var stored = await Log.AppendAsync(entry);

        Assert.Equal(entry, stored);
        Assert.Equal(entry, await Log.FindByIdAsync(logId, entry.EntryId));
        Assert.Equal(entry, await Log.FindByIdempotencyKeyAsync(logId, "client-1"));
        Assert.Equal(1, await Log.GetLastSequenceAsync(logId));
    }

    [Fact]
    public async Task AppendAsync_TimestampAndNullKey_RoundTripExactly()
    {
        var logId = TestData.NewKey();
        var entry = NewEntry(logId, 1) with { Timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(6_789_123) };

        await Log.AppendAsync(entry);

        var read = Assert.Single(await Log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal(entry, read);
        Assert.Equal(entry.Timestamp.UtcTicks, read.Timestamp.UtcTicks);
        Assert.Null(read.IdempotencyKey);
    }

    [Fact]
    public async Task AppendAsync_SameIdempotencyKey_ReturnsEarlierEntryAndWritesNothing()
    {
        var logId = TestData.NewKey();
        var first = await Log.AppendAsync(NewEntry(logId, 1, "client-x", payload: "first"));

        var retry = await Log.AppendAsync(NewEntry(logId, 2, "client-x", payload: "retry"));

        Assert.Equal(first, retry);
        Assert.Equal(1, await Log.GetLastSequenceAsync(logId));
        Assert.Single(await Log.ReadAsync(logId, 0, LogDirection.Forward, 10));
    }

    [Fact]
    public async Task AppendAsync_SameIdempotencyKeyConcurrently_StoresExactlyOne()
    {
        var logId = TestData.NewKey();

        // The same send retried at once (each attempt as its own entry, as two activations would make it).
        var results = await Task.WhenAll(Enumerable.Range(1, 20).Select(async i =>
        {
            await Task.Yield();
            return await Log.AppendAsync(NewEntry(logId, 1, "same-key", payload: $"attempt {i}"));
        }));

        var stored = Assert.Single(await Log.ReadAsync(logId, 0, LogDirection.Forward, 100));
        Assert.All(results, result => Assert.Equal(stored, result));
    }

    [Fact]
    public async Task AppendAsync_SameIdempotencyKeyInAnotherLog_StoresBoth()
    {
        var first = TestData.NewKey();
        var second = TestData.NewKey();

        await Log.AppendAsync(NewEntry(first, 1, "shared-key"));
        await Log.AppendAsync(NewEntry(second, 1, "shared-key"));

        Assert.Equal(1, await Log.GetLastSequenceAsync(first));
        Assert.Equal(1, await Log.GetLastSequenceAsync(second));
    }

    [Fact]
    public async Task AppendAsync_SequenceTakenByAnotherEntry_ThrowsAndKeepsTheFirst()
    {
        var logId = TestData.NewKey();
        var first = await Log.AppendAsync(NewEntry(logId, 1, "client-1"));

        await Assert.ThrowsAsync<InconsistentStateException>(() => Log.AppendAsync(NewEntry(logId, 1, "client-2")).AsTask());
        await Assert.ThrowsAsync<InconsistentStateException>(() => Log.AppendAsync(NewEntry(logId, 1)).AsTask());

        Assert.Equal([first], await Log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Null(await Log.FindByIdempotencyKeyAsync(logId, "client-2"));
    }

    [Fact]
    public async Task AppendAsync_ConflictInSameBatch_FailsOnlyThatAppend()
    {
        var logId = TestData.NewKey();

        // Issued at once, in this order: sequences 1..48, with two more claims on sequence 1 among them (i = 25, 50).
        var attempts = Enumerable.Range(1, 50)
            .Select(i => Log.AppendAsync(NewEntry(logId, i switch { 25 or 50 => 1, < 25 => i, _ => i - 1 }, $"client-{i}")).AsTask())
            .ToArray();
        var outcomes = await OutcomesAsync(attempts);

        Assert.Equal(48, outcomes.Count(ok => ok));
        Assert.False(outcomes[24]);
        Assert.False(outcomes[49]);
        var stored = await Log.ReadAsync(logId, 0, LogDirection.Forward, 100);
        Assert.Equal(Enumerable.Range(1, 48).Select(i => (long)i), stored.Select(e => e.Sequence));
    }

    [Fact]
    public async Task AppendAsync_SequenceThatWouldLeaveAGap_ThrowsAndWritesNothing()
    {
        var logId = TestData.NewKey();

        // An empty log starts at 1.
        await Assert.ThrowsAsync<InconsistentStateException>(() => Log.AppendAsync(NewEntry(logId, 2, "client-2")).AsTask());
        Assert.Equal(0, await Log.GetLastSequenceAsync(logId));

        var entries = await AppendRangeAsync(logId, 3);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Log.AppendAsync(NewEntry(logId, 5, "client-5")).AsTask());
        await Assert.ThrowsAsync<InconsistentStateException>(() => Log.AppendAsync(NewEntry(logId, 1_000)).AsTask());

        Assert.Equal(entries, await Log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal(3, await Log.GetLastSequenceAsync(logId));
        Assert.Null(await Log.FindByIdempotencyKeyAsync(logId, "client-5"));
        Assert.Equal(new LogCount(0, 0), await Log.CountAsync(logId, 3, long.MaxValue, null));

        // The refused key was not stored: the same key with the right sequence is a new entry.
        var next = await Log.AppendAsync(NewEntry(logId, 4, "client-5"));
        Assert.Equal(4, next.Sequence);
        Assert.Equal(next, await Log.FindByIdempotencyKeyAsync(logId, "client-5"));
    }

    [Fact]
    public async Task AppendAsync_ConsecutiveAppendsInOneBatch_AllSucceedAndAGapAmongThemFailsAlone()
    {
        var logId = TestData.NewKey();
        await AppendRangeAsync(logId, 4);

        // Issued together, so they share a commit where the store groups commits: 5, 6, 7, then 9 (a gap), then 8.
        long[] sequences = [5, 6, 7, 9, 8];
        var attempts = sequences.Select(sequence => Log.AppendAsync(NewEntry(logId, sequence, $"batch-{sequence}")).AsTask()).ToArray();
        var outcomes = await OutcomesAsync(attempts);

        Assert.Equal([true, true, true, false, true], outcomes);
        var stored = await Log.ReadAsync(logId, 0, LogDirection.Forward, 100);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), stored.Select(e => e.Sequence));
        Assert.Null(await Log.FindByIdempotencyKeyAsync(logId, "batch-9"));
        Assert.Equal(8, await Log.GetLastSequenceAsync(logId));
    }

    [Fact]
    public async Task AppendAsync_RetryByIdempotencyKey_ReturnsTheFirstEntryWhateverItsSequence()
    {
        var logId = TestData.NewKey();
        var entries = await AppendRangeAsync(logId, 2);

        // The retry of entry 1 with the next sequence, a taken one, one past a gap; then, in flight together, a retry and
        // a new append that both claim the next sequence.
        Assert.Equal(entries[0], await Log.AppendAsync(NewEntry(logId, 3, "client-1", payload: "retry")));
        Assert.Equal(entries[0], await Log.AppendAsync(NewEntry(logId, 2, "client-1", payload: "retry")));
        Assert.Equal(entries[0], await Log.AppendAsync(NewEntry(logId, 9, "client-1", payload: "retry")));
        var retry = Log.AppendAsync(NewEntry(logId, 3, "client-2", payload: "retry")).AsTask();
        var next = NewEntry(logId, 3, "client-3");
        var appended = Log.AppendAsync(next).AsTask();

        Assert.Equal(entries[1], await retry);
        Assert.Equal(next, await appended);
        Assert.Equal([.. entries, next], await Log.ReadAsync(logId, 0, LogDirection.Forward, 10));
    }

    [Fact]
    public async Task ReadAsync_ForwardFromZero_ReturnsAscendingFromTheStart()
    {
        var logId = TestData.NewKey();
        var entries = await AppendRangeAsync(logId, 10);

        var page = await Log.ReadAsync(logId, 0, LogDirection.Forward, 4);

        Assert.Equal(entries.Take(4), page);
    }

    [Fact]
    public async Task ReadAsync_BackwardFromMaxValue_ReturnsDescendingFromTheEnd()
    {
        var logId = TestData.NewKey();
        var entries = await AppendRangeAsync(logId, 10);

        var page = await Log.ReadAsync(logId, long.MaxValue, LogDirection.Backward, 3);

        Assert.Equal([entries[9], entries[8], entries[7]], page);
    }

    [Fact]
    public async Task ReadAsync_ForwardAfterSequence_IsStrictlyAfterAndLimited()
    {
        var logId = TestData.NewKey();
        var entries = await AppendRangeAsync(logId, 10);

        Assert.Equal(entries.Skip(5).Take(2), await Log.ReadAsync(logId, 5, LogDirection.Forward, 2));
        Assert.Equal(entries.Skip(5), await Log.ReadAsync(logId, 5, LogDirection.Forward, 100));
        Assert.Equal([entries[9]], await Log.ReadAsync(logId, 9, LogDirection.Forward, 100));
    }

    [Fact]
    public async Task ReadAsync_BackwardBeforeSequence_IsStrictlyBeforeAndLimited()
    {
        var logId = TestData.NewKey();
        var entries = await AppendRangeAsync(logId, 10);

        Assert.Equal([entries[4], entries[3]], await Log.ReadAsync(logId, 6, LogDirection.Backward, 2));
        Assert.Equal(entries.Take(5).Reverse(), await Log.ReadAsync(logId, 6, LogDirection.Backward, 100));
        Assert.Equal([entries[0]], await Log.ReadAsync(logId, 2, LogDirection.Backward, 100));
    }

    [Fact]
    public async Task ReadAsync_PastEitherEnd_ReturnsEmpty()
    {
        var logId = TestData.NewKey();
        await AppendRangeAsync(logId, 3);

        Assert.Empty(await Log.ReadAsync(logId, 3, LogDirection.Forward, 10));
        Assert.Empty(await Log.ReadAsync(logId, long.MaxValue, LogDirection.Forward, 10));
        Assert.Empty(await Log.ReadAsync(logId, 1, LogDirection.Backward, 10));
        Assert.Empty(await Log.ReadAsync(logId, 0, LogDirection.Backward, 10));
    }

    [Fact]
    public async Task ReadAsync_UnknownLogOrZeroLimit_ReturnsEmpty()
    {
        var logId = TestData.NewKey();
        await AppendRangeAsync(logId, 3);

        Assert.Empty(await Log.ReadAsync(TestData.NewKey(), 0, LogDirection.Forward, 10));
        Assert.Empty(await Log.ReadAsync(TestData.NewKey(), long.MaxValue, LogDirection.Backward, 10));
        Assert.Empty(await Log.ReadAsync(logId, 0, LogDirection.Forward, 0));
    }

    [Fact]
    public async Task ReadAsync_UnicodeAnd64KiBPayloads_RoundTrip()
    {
        var logId = TestData.NewKey();
        var large = TestData.LargeUnicode();
        var small = "héllo 🌍 — 你好 — שלום";
        await Log.AppendAsync(NewEntry(logId, 1, "ключ-🔑", author: "автор-✍️", payload: large));
        await Log.AppendAsync(NewEntry(logId, 2, "k2", payload: small));

        var read = await Log.ReadAsync(logId, 0, LogDirection.Forward, 10);

        Assert.Equal(large, read[0].Payload);
        Assert.Equal("автор-✍️", read[0].AuthorId);
        Assert.Equal(small, read[1].Payload);
        Assert.Equal(read[0], await Log.FindByIdempotencyKeyAsync(logId, "ключ-🔑"));
    }

    [Fact]
    public async Task FindAsync_UnknownIdOrKey_ReturnsNull()
    {
        var logId = TestData.NewKey();
        await AppendRangeAsync(logId, 2);

        Assert.Null(await Log.FindByIdAsync(logId, "missing"));
        Assert.Null(await Log.FindByIdempotencyKeyAsync(logId, "missing"));
        Assert.Null(await Log.FindByIdempotencyKeyAsync(TestData.NewKey(), "client-1"));
    }

    [Fact]
    public async Task GetLastSequenceAsync_EmptyAndFilledLogs_ReturnsZeroAndHighest()
    {
        var logId = TestData.NewKey();
        Assert.Equal(0, await Log.GetLastSequenceAsync(logId));

        await AppendRangeAsync(logId, 7);

        Assert.Equal(7, await Log.GetLastSequenceAsync(logId));
    }

    [Fact]
    public async Task CountAsync_ExcludedAuthor_CountsOthersStrictlyAfter()
    {
        var logId = TestData.NewKey();
        await AppendRangeAsync(logId, 10, sequence => sequence % 3 == 0 ? "bob" : "alice");

        Assert.Equal(new LogCount(3, 0), await Log.CountAsync(logId, 0, long.MaxValue, ["alice"]));
        Assert.Equal(new LogCount(7, 0), await Log.CountAsync(logId, 0, long.MaxValue, ["bob"]));
        Assert.Equal(new LogCount(10, 0), await Log.CountAsync(logId, 0, long.MaxValue, null));
        Assert.Equal(new LogCount(3, 0), await Log.CountAsync(logId, 5, long.MaxValue, ["bob"]));
        Assert.Equal(new LogCount(1, 0), await Log.CountAsync(logId, 6, long.MaxValue, ["alice"]));
        Assert.Equal(new LogCount(0, 0), await Log.CountAsync(logId, 10, long.MaxValue, null));
        Assert.Equal(new LogCount(0, 0), await Log.CountAsync(TestData.NewKey(), 0, long.MaxValue, null));
    }

    [Fact]
    public async Task CountAsync_SeveralExcludedAuthors_CountsTheRest()
    {
        var logId = TestData.NewKey();
        await AppendRangeAsync(logId, 12, sequence => $"u{sequence % 4}");
        string[] many = [.. Enumerable.Range(10, 30).Select(i => $"u{i}"), "u1"]; // more than a query filter takes at once

        Assert.Equal(new LogCount(6, 0), await Log.CountAsync(logId, 0, long.MaxValue, ["u0", "u2"]));
        Assert.Equal(new LogCount(3, 0), await Log.CountAsync(logId, 0, long.MaxValue, ["u0", "u1", "u2"]));
        Assert.Equal(new LogCount(9, 0), await Log.CountAsync(logId, 0, long.MaxValue, many));
        Assert.Equal(new LogCount(12, 0), await Log.CountAsync(logId, 0, long.MaxValue, []));
    }

    [Fact]
    public async Task CountAsync_UpperBound_CountsUpToAndIncludingIt()
    {
        var logId = TestData.NewKey();
        await AppendRangeAsync(logId, 10, sequence => sequence % 3 == 0 ? "bob" : "alice");

        Assert.Equal(new LogCount(6, 0), await Log.CountAsync(logId, 0, 6, null));
        Assert.Equal(new LogCount(2, 0), await Log.CountAsync(logId, 0, 6, ["alice"]));
        Assert.Equal(new LogCount(1, 0), await Log.CountAsync(logId, 2, 5, ["alice"]));
        Assert.Equal(new LogCount(0, 0), await Log.CountAsync(logId, 6, 6, null));
    }

    [Fact]
    public async Task CountAsync_HighPriorityEntries_CountedApartWithinTheBoundsAndWithoutTheExcludedAuthor()
    {
        var logId = TestData.NewKey();

        // Bob wrote 3, 6 and 9; the even entries are high priority.
        await AppendRangeAsync(logId, 10, sequence => sequence % 3 == 0 ? "bob" : "alice", sequence => sequence % 2 == 0);

        Assert.Equal(new LogCount(10, 5), await Log.CountAsync(logId, 0, long.MaxValue, null));
        Assert.Equal(new LogCount(3, 1), await Log.CountAsync(logId, 0, long.MaxValue, ["alice"]));
        Assert.Equal(new LogCount(7, 4), await Log.CountAsync(logId, 0, long.MaxValue, ["bob"]));
        Assert.Equal(new LogCount(5, 3), await Log.CountAsync(logId, 3, 8, null));
        Assert.Equal(new LogCount(4, 2), await Log.CountAsync(logId, 3, 8, ["bob"]));
        Assert.Equal(new LogCount(2, 1), await Log.CountAsync(logId, 2, 6, ["alice"]));
        Assert.Equal(new LogCount(1, 0), await Log.CountAsync(logId, 8, 9, null));
        Assert.Equal(new LogCount(0, 0), await Log.CountAsync(logId, 10, long.MaxValue, null));
    }

    [Fact]
    public async Task AppendAsync_HighPriorityEntry_KeepsItsFlagThroughEveryReadAndANormalOneStaysFalse()
    {
        var logId = TestData.NewKey();
        var high = NewEntry(logId, 1, "client-1", highPriority: true);
        var normal = NewEntry(logId, 2, "client-2");

        Assert.Equal(high, await Log.AppendAsync(high));
        Assert.Equal(normal, await Log.AppendAsync(normal));

        var forward = await Log.ReadAsync(logId, 0, LogDirection.Forward, 10);
        Assert.Equal([high, normal], forward);
        Assert.Equal([true, false], forward.Select(e => e.HighPriority));
        Assert.Equal([normal, high], await Log.ReadAsync(logId, long.MaxValue, LogDirection.Backward, 10));
        Assert.True((await Log.FindByIdAsync(logId, high.EntryId))?.HighPriority);
        Assert.False((await Log.FindByIdAsync(logId, normal.EntryId))?.HighPriority);
        Assert.True((await Log.FindByIdempotencyKeyAsync(logId, "client-1"))?.HighPriority);
        Assert.False((await Log.FindByIdempotencyKeyAsync(logId, "client-2"))?.HighPriority);
    }

    [Fact]
    public async Task AppendAsync_RetryWithAnotherFlag_ReturnsTheEarlierEntryWithItsFlag()
    {
        var logId = TestData.NewKey();
        var high = await Log.AppendAsync(NewEntry(logId, 1, "client-1", highPriority: true));
        var normal = await Log.AppendAsync(NewEntry(logId, 2, "client-2"));

        var highRetry = await Log.AppendAsync(NewEntry(logId, 3, "client-1", payload: "retry"));
        var normalRetry = await Log.AppendAsync(NewEntry(logId, 3, "client-2", payload: "retry", highPriority: true));

        Assert.Equal(high, highRetry);
        Assert.True(highRetry.HighPriority);
        Assert.Equal(normal, normalRetry);
        Assert.False(normalRetry.HighPriority);
        Assert.Equal(new LogCount(2, 1), await Log.CountAsync(logId, 0, long.MaxValue, null));
    }

    [Fact]
    public async Task AppendAsync_Uncounted_IsStoredSoAndLeftOutOfCounts()
    {
        var logId = TestData.NewKey();
        await Log.AppendAsync(NewEntry(logId, 1, "client-1", highPriority: true));
        var reply = await Log.AppendAsync(NewEntry(logId, 2, "client-2", highPriority: true) with { Counted = false });

        Assert.False(reply.Counted);
        Assert.False((await Log.FindByIdAsync(logId, reply.EntryId))!.Counted);
        Assert.Equal([true, false], (await Log.ReadAsync(logId, 0, LogDirection.Forward, 10)).Select(e => e.Counted));
        Assert.Equal(new LogCount(1, 1), await Log.CountAsync(logId, 0, long.MaxValue, null));
    }

    [Fact]
    public async Task ReviseAsync_PayloadAndCounted_SeenByEveryReadAndTheRestStays()
    {
        var logId = TestData.NewKey();
        var entries = await AppendRangeAsync(logId, 3, highPriority: sequence => sequence == 2);

        Assert.True(await Log.ReviseAsync(logId, 2, entries[1].EntryId, """{"recalled":true}""", counted: false));

        // Only the payload and the flag change: the sequence, ids, key, author, timestamp and priority stay.
        var revised = entries[1] with { Payload = """{"recalled":true}""", Counted = false };
        Assert.Equal([entries[0], revised, entries[2]], await Log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal([entries[2], revised, entries[0]], await Log.ReadAsync(logId, long.MaxValue, LogDirection.Backward, 10));
        Assert.Equal(revised, await Log.FindByIdAsync(logId, entries[1].EntryId));
        Assert.Equal(revised, await Log.FindByIdempotencyKeyAsync(logId, "client-2"));
        Assert.Equal(entries[0], await Log.FindByIdAsync(logId, entries[0].EntryId));
        Assert.Equal(3, await Log.GetLastSequenceAsync(logId));
    }

    [Fact]
    public async Task ReviseAsync_CountedFalse_LeavesTheEntryOutOfBothCounts()
    {
        var logId = TestData.NewKey();

        // Bob wrote 3 and 6; the even entries are high priority. 2 (high) and 3 (Bob's) are recalled, 5 is edited.
        var entries = await AppendRangeAsync(logId, 6, sequence => sequence % 3 == 0 ? "bob" : "alice", sequence => sequence % 2 == 0);
        Assert.True(await Log.ReviseAsync(logId, 2, entries[1].EntryId, "recalled", counted: false));
        Assert.True(await Log.ReviseAsync(logId, 3, entries[2].EntryId, "recalled", counted: false));
        Assert.True(await Log.ReviseAsync(logId, 5, entries[4].EntryId, "edited", counted: true));

        // Counted: 1, 4 (high), 5 and 6 (Bob's, high).
        Assert.Equal(new LogCount(4, 2), await Log.CountAsync(logId, 0, long.MaxValue, null));
        Assert.Equal(new LogCount(3, 1), await Log.CountAsync(logId, 0, long.MaxValue, ["bob"]));
        Assert.Equal(new LogCount(1, 1), await Log.CountAsync(logId, 0, long.MaxValue, ["alice"]));
        Assert.Equal(new LogCount(0, 0), await Log.CountAsync(logId, 1, 3, null));
        Assert.Equal(new LogCount(2, 1), await Log.CountAsync(logId, 1, 5, null));

        // The sequences stay taken: the log goes on after them.
        Assert.Equal(6, await Log.GetLastSequenceAsync(logId));
        Assert.Equal([false, false, true], (await Log.ReadAsync(logId, 1, LogDirection.Forward, 3)).Select(e => e.Counted));
    }

    [Fact]
    public async Task ReviseAsync_BackToCounted_CountsAgain()
    {
        var logId = TestData.NewKey();
        var entries = await AppendRangeAsync(logId, 2, highPriority: _ => true);
        Assert.True(await Log.ReviseAsync(logId, 1, entries[0].EntryId, "recalled", counted: false));
        Assert.Equal(new LogCount(1, 1), await Log.CountAsync(logId, 0, long.MaxValue, null));

        Assert.True(await Log.ReviseAsync(logId, 1, entries[0].EntryId, "restored", counted: true));

        // Revising again to the same values still finds the entry.
        Assert.True(await Log.ReviseAsync(logId, 1, entries[0].EntryId, "restored", counted: true));
        Assert.Equal(new LogCount(2, 2), await Log.CountAsync(logId, 0, long.MaxValue, null));
        Assert.Equal(entries[0] with { Payload = "restored" }, await Log.FindByIdempotencyKeyAsync(logId, "client-1"));
    }

    [Fact]
    public async Task ReviseAsync_WrongEntryIdMissingSequenceOrUnknownLog_ReturnsFalseAndChangesNothing()
    {
        var logId = TestData.NewKey();
        var entries = await AppendRangeAsync(logId, 2);

        Assert.False(await Log.ReviseAsync(logId, 1, "someone-else", "x", counted: false));
        Assert.False(await Log.ReviseAsync(logId, 1, entries[1].EntryId, "x", counted: false));
        Assert.False(await Log.ReviseAsync(logId, 3, entries[1].EntryId, "x", counted: false));
        Assert.False(await Log.ReviseAsync(logId, 0, entries[0].EntryId, "x", counted: false));
        Assert.False(await Log.ReviseAsync(TestData.NewKey(), 1, entries[0].EntryId, "x", counted: false));

        Assert.Equal(entries, await Log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal(new LogCount(2, 0), await Log.CountAsync(logId, 0, long.MaxValue, null));
        Assert.Equal(2, await Log.GetLastSequenceAsync(logId));
    }

    [Fact]
    public async Task ReviseAsync_ThenAppends_TheLogGoesOnAndARetryGetsTheRevisedEntry()
    {
        var logId = TestData.NewKey();
        var entries = await AppendRangeAsync(logId, 2);
        Assert.True(await Log.ReviseAsync(logId, 2, entries[1].EntryId, "edited", counted: true));
        var revised = entries[1] with { Payload = "edited" };

        // A retry of the revised entry's append (any sequence) gets the entry as it is now, not as it was sent.
        Assert.Equal(revised, await Log.AppendAsync(NewEntry(logId, 3, "client-2", payload: "retry")));
        Assert.Equal(revised, await Log.AppendAsync(NewEntry(logId, 2, "client-2", payload: "retry")));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Log.AppendAsync(NewEntry(logId, 2, "client-x")).AsTask());
        var next = await Log.AppendAsync(NewEntry(logId, 3, "client-3"));
        var last = await Log.AppendAsync(NewEntry(logId, 4));

        Assert.Equal([entries[0], revised, next, last], await Log.ReadAsync(logId, 0, LogDirection.Forward, 10));
        Assert.Equal(new LogCount(4, 0), await Log.CountAsync(logId, 0, long.MaxValue, null));
    }

    [Fact]
    public async Task ReviseAsync_InFlightWithTheAppendsBeforeAndAfterIt_SeesTheOnesBeforeIt()
    {
        var logId = TestData.NewKey();
        await AppendRangeAsync(logId, 1);

        // Issued together, so they share a commit where the store groups commits: appends of 2 and 3, a revise of 3, a
        // revise of 4 (not appended yet, so there is nothing to revise), a retry of 3's append, then the append of 4.
        var second = NewEntry(logId, 2, "client-2");
        var third = NewEntry(logId, 3, "client-3");
        var fourth = NewEntry(logId, 4, "client-4");
        var appends = new[] { Log.AppendAsync(second).AsTask(), Log.AppendAsync(third).AsTask() };
        var revise = Log.ReviseAsync(logId, 3, third.EntryId, "recalled", counted: false).AsTask();
        var early = Log.ReviseAsync(logId, 4, fourth.EntryId, "too early", counted: false).AsTask();
        var retry = Log.AppendAsync(NewEntry(logId, 4, "client-3", payload: "retry")).AsTask();
        var appended = Log.AppendAsync(fourth).AsTask();

        Assert.Equal([second, third], await Task.WhenAll(appends));
        Assert.True(await revise);
        Assert.False(await early);
        var revised = third with { Payload = "recalled", Counted = false };
        Assert.Equal(revised, await retry);
        Assert.Equal(fourth, await appended);
        Assert.Equal([second, revised, fourth], await Log.ReadAsync(logId, 1, LogDirection.Forward, 10));
        Assert.Equal(new LogCount(3, 0), await Log.CountAsync(logId, 0, long.MaxValue, null));
    }

    [Fact]
    public async Task ReviseAsync_AfterEachOfManyAppendsInFlight_EachFindsItsEntry()
    {
        var logId = TestData.NewKey();

        // Issued together: append 1, revise 1, append 2, revise 2, ... (the odd ones recalled).
        var entries = Enumerable.Range(1, 20).Select(i => NewEntry(logId, i, $"client-{i}")).ToArray();
        var writes = entries.SelectMany(e => new[]
        {
            AppendedAsync(e),
            Log.ReviseAsync(logId, e.Sequence, e.EntryId, $"revised {e.Sequence}", counted: e.Sequence % 2 == 0).AsTask(),
        }).ToArray();

        Assert.All(await Task.WhenAll(writes), Assert.True);
        Assert.Equal(
            entries.Select(e => e with { Payload = $"revised {e.Sequence}", Counted = e.Sequence % 2 == 0 }),
            await Log.ReadAsync(logId, 0, LogDirection.Forward, 100));
        Assert.Equal(new LogCount(10, 0), await Log.CountAsync(logId, 0, long.MaxValue, null));

        async Task<bool> AppendedAsync(LogEntry entry) => await Log.AppendAsync(entry) == entry;
    }

    [Fact]
    public async Task ReviseAsync_LargePayloadToASmallOneAndBack_KeepsNothingOfThePrevious()
    {
        var logId = TestData.NewKey();
        var large = TestData.LargeUnicode();
        var entry = await Log.AppendAsync(NewEntry(logId, 1, "client-1", payload: large));

        Assert.True(await Log.ReviseAsync(logId, 1, entry.EntryId, "{}", counted: false));
        Assert.Equal(entry with { Payload = "{}", Counted = false }, await Log.FindByIdempotencyKeyAsync(logId, "client-1"));

        var other = large.ToUpperInvariant();
        Assert.True(await Log.ReviseAsync(logId, 1, entry.EntryId, other, counted: true));
        Assert.Equal(entry with { Payload = other }, Assert.Single(await Log.ReadAsync(logId, 0, LogDirection.Forward, 10)));
    }

    [Fact]
    public async Task AppendAsync_ConcurrentAppendersToManyLogs_EveryLogIsCompleteAndOrdered()
    {
        const int Logs = 50;
        const int PerLog = 40;
        var logIds = Enumerable.Range(0, Logs).Select(_ => TestData.NewKey()).ToArray();

        // One sequential appender per log (as a conversation grain is), all logs at once.
        await Task.WhenAll(logIds.Select(async logId =>
        {
            await Task.Yield();
            for (var sequence = 1; sequence <= PerLog; sequence++)
            {
                await Log.AppendAsync(NewEntry(logId, sequence, $"k{sequence}", payload: $"{logId}:{sequence}"));
            }
        }));

        foreach (var logId in logIds)
        {
            var entries = await Log.ReadAsync(logId, 0, LogDirection.Forward, 1000);
            Assert.Equal(Enumerable.Range(1, PerLog).Select(i => (long)i), entries.Select(e => e.Sequence));
            Assert.All(entries, e => Assert.Equal($"{logId}:{e.Sequence}", e.Payload));
            Assert.Equal(PerLog, await Log.GetLastSequenceAsync(logId));
        }
    }

    [Fact]
    public async Task AppendAsync_ManyConcurrentAppendsToOneLog_AllStoredWithoutGaps()
    {
        var logId = TestData.NewKey();

        await Task.WhenAll(Enumerable.Range(1, 300).Select(i => Log.AppendAsync(NewEntry(logId, i, $"k{i}")).AsTask()));

        var entries = await Log.ReadAsync(logId, 0, LogDirection.Forward, 1000);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), entries.Select(e => e.Sequence));
    }
}
