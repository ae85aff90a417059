namespace Orleans.Chat.Persistence.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="IRosterStore"/> must have. Each store gets a subclass that supplies its store through a
/// class fixture; every test uses fresh user ids, so the tests of one class can share a store.
/// </summary>
public abstract class RosterStoreContractTests(IRosterStoreFixture fixture)
{
    protected IRosterStore Roster => fixture.Roster;

    protected static string NewUserId() => "u" + TestData.NewKey();

    protected static RosterRow Row(string conversationId, long revision, string? payload = null) =>
        new(conversationId, revision, payload ?? $$"""{"conversation":"{{conversationId}}","revision":{{revision}}}""");

    /// <summary>The user's rows in conversation order (a store returns them in no particular order).</summary>
    protected async Task<RosterRow[]> ReadSortedAsync(string userId) =>
        [.. (await Roster.ReadAsync(userId)).OrderBy(row => row.ConversationId, StringComparer.Ordinal)];

    private static RosterRow[] Sorted(IEnumerable<RosterRow> rows) => [.. rows.OrderBy(row => row.ConversationId, StringComparer.Ordinal)];

    [Fact]
    public async Task ReadAsync_UnknownUser_IsEmpty()
    {
        Assert.Empty(await Roster.ReadAsync(NewUserId()));
    }

    [Fact]
    public async Task WriteAsync_NewRows_ReadReturnsExactlyThem()
    {
        var userId = NewUserId();
        RosterRow[] rows = [Row("o1:dm:a:b", 1), Row("grp:o1:xyz", 7), Row("o1:dm:a:c", 3, "")];

        await Roster.WriteAsync(userId, rows);

        Assert.Equal(Sorted(rows), await ReadSortedAsync(userId));
    }

    [Fact]
    public async Task WriteAsync_HigherRevision_ReplacesTheRow()
    {
        var userId = NewUserId();
        await Roster.WriteAsync(userId, [Row("c1", 1, "first"), Row("c2", 1, "other")]);

        await Roster.WriteAsync(userId, [Row("c1", 2, "second")]);

        Assert.Equal([Row("c1", 2, "second"), Row("c2", 1, "other")], await ReadSortedAsync(userId));
    }

    [Fact]
    public async Task WriteAsync_EqualRevision_ReplacesThePayload()
    {
        var userId = NewUserId();
        await Roster.WriteAsync(userId, [Row("c1", 5, "before")]);

        await Roster.WriteAsync(userId, [Row("c1", 5, "after")]);

        Assert.Equal([Row("c1", 5, "after")], await ReadSortedAsync(userId));
    }

    [Fact]
    public async Task WriteAsync_LowerRevision_IsSkippedWithoutErrorAndTheOtherRowsAreWritten()
    {
        var userId = NewUserId();
        await Roster.WriteAsync(userId, [Row("c1", 5, "stored"), Row("c2", 5, "stored")]);

        // A stale activation's write: one row behind the stored one, one ahead of it, one new.
        await Roster.WriteAsync(userId, [Row("c1", 4, "stale"), Row("c2", 6, "newer"), Row("c3", 1, "new")]);

        Assert.Equal([Row("c1", 5, "stored"), Row("c2", 6, "newer"), Row("c3", 1, "new")], await ReadSortedAsync(userId));
    }

    [Fact]
    public async Task WriteAsync_SameConversationTwiceInOneWrite_EndsAsWritingThemInTurn()
    {
        var userId = NewUserId();

        await Roster.WriteAsync(userId, [Row("c1", 2, "two"), Row("c1", 3, "three"), Row("c1", 3, "three again"), Row("c1", 1, "one")]);

        Assert.Equal([Row("c1", 3, "three again")], await ReadSortedAsync(userId));
    }

    [Fact]
    public async Task WriteAsync_TwoUsers_KeepSeparateRows()
    {
        var alice = NewUserId();
        var bob = NewUserId();

        await Roster.WriteAsync(alice, [Row("o1:dm:alice:bob", 1, "alice's"), Row("grp:o1:only-alice", 1)]);
        await Roster.WriteAsync(bob, [Row("o1:dm:alice:bob", 9, "bob's")]);

        Assert.Equal([Row("grp:o1:only-alice", 1), Row("o1:dm:alice:bob", 1, "alice's")], await ReadSortedAsync(alice));
        Assert.Equal([Row("o1:dm:alice:bob", 9, "bob's")], await ReadSortedAsync(bob));
    }

    [Fact]
    public async Task WriteAsync_250RowsInOneWrite_StoresThemAll()
    {
        var userId = NewUserId();
        var rows = Enumerable.Range(0, 250).Select(i => Row($"grp:o1:{i:D3}", i + 1)).ToArray();

        await Roster.WriteAsync(userId, rows);

        Assert.Equal(rows, await ReadSortedAsync(userId));
    }

    [Fact]
    public async Task WriteAsync_250RowsOverStoredOnes_ReplacesOnlyThoseNotBehind()
    {
        var userId = NewUserId();
        var stored = Enumerable.Range(0, 250).Select(i => Row($"grp:o1:{i:D3}", 10, "stored")).ToArray();
        await Roster.WriteAsync(userId, stored);

        // Every third row behind the stored one, the others at or past it; and 10 rows new.
        var written = Enumerable.Range(0, 260).Select(i => Row($"grp:o1:{i:D3}", 9 + (i % 3), $"written {i}")).ToArray();
        await Roster.WriteAsync(userId, written);

        var expected = written.Select((row, i) => i < 250 && i % 3 == 0 ? stored[i] : row);
        Assert.Equal(Sorted(expected), await ReadSortedAsync(userId));
    }

    [Fact]
    public async Task WriteAsync_LargePayloadThenASmallOne_EachRoundTrips()
    {
        var userId = NewUserId();
        var payload = TestData.LargeUnicode();

        await Roster.WriteAsync(userId, [Row("c1", 1, payload)]);
        Assert.Equal([Row("c1", 1, payload)], await ReadSortedAsync(userId));

        // Nothing of the large payload may stay behind the small one.
        await Roster.WriteAsync(userId, [Row("c1", 2, "small")]);
        Assert.Equal([Row("c1", 2, "small")], await ReadSortedAsync(userId));
    }

    [Fact]
    public async Task WriteAsync_ConcurrentRevisionsOfOneRow_EndsWithTheHighest()
    {
        // Twenty-five users, ten writes of one row each, all at once and issued highest first: a store that let the last write
        // win, or that checked the revision apart from the write, would leave some user on a lower revision.
        var users = Enumerable.Range(0, 25).Select(_ => NewUserId()).ToArray();

        await Task.WhenAll(users.SelectMany(userId => Enumerable.Range(1, 10).Reverse().Select(revision =>
            Roster.WriteAsync(userId, [Row("c1", revision, $"revision {revision}"), Row($"c-{revision}", 1)]).AsTask())));

        foreach (var userId in users)
        {
            var rows = await ReadSortedAsync(userId);
            Assert.Equal(Row("c1", 10, "revision 10"), Assert.Single(rows, row => row.ConversationId == "c1"));
            Assert.Equal(11, rows.Length);
        }
    }

    [Fact]
    public async Task ReadAsync_AfterTheStoreIsReopened_ReturnsTheRows()
    {
        var userId = NewUserId();
        RosterRow[] rows = [Row("o1:dm:a:b", 3), Row("grp:o1:xyz", 4)];
        await Roster.WriteAsync(userId, rows);
        var before = Roster;

        await fixture.ReopenAsync();

        Assert.NotSame(before, Roster);
        Assert.Equal(Sorted(rows), await ReadSortedAsync(userId));
    }

    [Fact]
    public async Task WriteAsync_KeysWithCharactersTableKeysForbid_RoundTrip()
    {
        var userId = "user/#?\\:é'%2F" + TestData.NewKey();
        string[] conversations =
        [
            "o1:dm:a:b", "grp:o1:xyz", "a/b", "a#b", "a?b", "a\\b", "100%", "a%2Fb", "it's", "tab\there", "Grüße 世界 👋🏽",
        ];
        var rows = conversations.Select((conversation, i) => Row(conversation, i + 1)).ToArray();

        await Roster.WriteAsync(userId, rows);
        await Roster.WriteAsync(userId, [Row("a/b", 100, "replaced")]);

        Assert.Equal(Sorted(rows.Select(row => row.ConversationId == "a/b" ? Row("a/b", 100, "replaced") : row)), await ReadSortedAsync(userId));
    }
}
