using Orleans.Runtime;

namespace Orleans.Chat.Persistence.Tests.Contract;

/// <summary>
/// The behaviour Orleans expects of an <see cref="IReminderTable"/> that we implement (SQLite; PostgreSQL runs Orleans'
/// own ADO.NET provider, tested in PostgresOrleansRemindersTests). Every test uses fresh grain ids; the tests of one class
/// run one at a time, and only <see cref="TestOnlyClearTable_RemovesEveryReminder"/> looks past its own rows.
/// </summary>
public abstract class ReminderTableContractTests(IReminderTableFixture fixture)
{
    private static readonly DateTime StartAt = new DateTime(2026, 11, 21, 8, 30, 0, DateTimeKind.Utc).AddTicks(12_345);

    protected IReminderTable Reminders => fixture.Reminders;

    protected static GrainId NewGrainId(string type = "test") => GrainId.Create(type, TestData.NewKey());

    private static ReminderEntry NewReminder(GrainId grainId, string name = "tick", TimeSpan? period = null) =>
        new() { GrainId = grainId, ReminderName = name, StartAt = StartAt, Period = period ?? TimeSpan.FromMinutes(5) + TimeSpan.FromTicks(7) };

    /// <summary>Orleans' ReminderEntry is a class without value equality: compare what the table stores, and that StartAt comes back as UTC.</summary>
    private static void AssertRow(ReminderEntry expected, string? eTag, ReminderEntry? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(
            (expected.GrainId, expected.ReminderName, expected.StartAt, expected.Period, eTag),
            (actual.GrainId, actual.ReminderName, actual.StartAt, actual.Period, actual.ETag));
        Assert.Equal(DateTimeKind.Utc, actual.StartAt.Kind);
    }

    /// <summary>Orleans' hash ring: (begin, end] when begin &lt; end, otherwise the wrap-around (begin, max] and [0, end] (the whole ring when begin == end).</summary>
    private static bool InRing(uint hash, uint begin, uint end) => begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    [Fact]
    public async Task UpsertRow_NewReminder_ReadRowReturnsItWithTheNewETag()
    {
        var reminder = NewReminder(NewGrainId());

        var eTag = await Reminders.UpsertRow(reminder);

        Assert.False(string.IsNullOrEmpty(eTag));
        AssertRow(reminder, eTag, await Reminders.ReadRow(reminder.GrainId, reminder.ReminderName));
    }

    [Fact]
    public async Task UpsertRow_ExistingReminder_ReplacesItAndChangesETag()
    {
        var reminder = NewReminder(NewGrainId());
        var first = await Reminders.UpsertRow(reminder);

        var changed = NewReminder(reminder.GrainId, reminder.ReminderName, TimeSpan.FromHours(1));
        changed.StartAt = StartAt.AddDays(1);
        var second = await Reminders.UpsertRow(changed);

        Assert.NotEqual(first, second);
        AssertRow(changed, second, await Reminders.ReadRow(reminder.GrainId, reminder.ReminderName));
        Assert.Single((await Reminders.ReadRows(reminder.GrainId)).Reminders);
    }

    [Fact]
    public async Task ReadRow_MissingReminder_ReturnsNull()
    {
        var grainId = NewGrainId();
        await Reminders.UpsertRow(NewReminder(grainId, "present"));

        Assert.Null(await Reminders.ReadRow(grainId, "absent"));
        Assert.Null(await Reminders.ReadRow(NewGrainId(), "present"));
    }

    [Fact]
    public async Task ReadRows_SeveralGrains_ReturnsOnlyThatGrainsReminders()
    {
        var grainId = NewGrainId();
        var other = NewGrainId();
        await Reminders.UpsertRow(NewReminder(grainId, "a"));
        await Reminders.UpsertRow(NewReminder(grainId, "b"));
        await Reminders.UpsertRow(NewReminder(other, "a"));

        var rows = (await Reminders.ReadRows(grainId)).Reminders;

        Assert.Equal(["a", "b"], rows.Select(r => r.ReminderName).Order(StringComparer.Ordinal));
        Assert.All(rows, row => Assert.Equal(grainId, row.GrainId));
        Assert.Empty((await Reminders.ReadRows(NewGrainId())).Reminders);
    }

    [Fact]
    public async Task ReadRows_TypeAndKeyWithSeparatorsAndUnicode_RoundTripAndAreKeptApart()
    {
        // The grain id is stored as its type and its key: "a/b" + "c" and "a" + "b/c" are different grains.
        var suffix = TestData.NewKey();
        var first = GrainId.Create("a/b", "c" + suffix);
        var second = GrainId.Create("a", "b/c" + suffix);
        var unicode = GrainId.Create("\U0001F4ACroom", "cl\u00E9/\U0001F511+" + suffix);
        var eTags = new List<string?>();
        foreach (var grainId in new[] { first, second, unicode })
        {
            eTags.Add(await Reminders.UpsertRow(NewReminder(grainId)));
        }

        foreach (var (grainId, eTag) in new[] { first, second, unicode }.Zip(eTags))
        {
            AssertRow(NewReminder(grainId), eTag, Assert.Single((await Reminders.ReadRows(grainId)).Reminders));
        }
    }

    [Fact]
    public async Task ReadRows_WholeRing_ContainsEveryReminder()
    {
        var grains = Enumerable.Range(0, 3).Select(_ => NewGrainId("alarm")).ToArray();
        var eTags = new List<string?>();
        foreach (var grainId in grains)
        {
            eTags.Add(await Reminders.UpsertRow(NewReminder(grainId)));
        }

        // begin == end is the whole ring (Orleans asks for (0, 0] when one silo owns every range).
        foreach (var point in new[] { 0u, 12_345u, uint.MaxValue })
        {
            var all = (await Reminders.ReadRows(point, point)).Reminders;
            foreach (var (grainId, eTag) in grains.Zip(eTags))
            {
                AssertRow(NewReminder(grainId), eTag, Assert.Single(all, row => row.GrainId == grainId));
            }
        }
    }

    /// <summary>
    /// ReadRows(begin, end) returns the rows whose grain hash (<see cref="GrainId.GetUniformHashCode"/>) is in (begin, end]
    /// on the uint ring, wrapping around when begin &gt;= end. The cases cover both orders on both sides of 2^31 (where a
    /// signed comparison would go wrong) and the extremes of the ring.
    /// </summary>
    [Theory]
    [InlineData(0x1000_0000u, 0x7000_0000u)] // begin < end, both below 2^31
    [InlineData(0x9000_0000u, 0xF000_0000u)] // begin < end, both at or above 2^31
    [InlineData(0x4000_0000u, 0xC000_0000u)] // begin < end across 2^31
    [InlineData(0xC000_0000u, 0x4000_0000u)] // wrap-around across 0
    [InlineData(0xF000_0000u, 0x1000_0000u)] // small wrap-around
    [InlineData(0x7000_0000u, 0x1000_0000u)] // wrap-around, both below 2^31
    [InlineData(0xF000_0000u, 0x9000_0000u)] // wrap-around, both at or above 2^31
    [InlineData(0u, uint.MaxValue)] // everything but hash 0
    [InlineData(uint.MaxValue, 0u)] // wrap-around: nothing but hash 0
    [InlineData(0x8000_0000u, 0x8000_0000u)] // begin == end: the whole ring
    public async Task ReadRows_HashRange_ReturnsExactlyTheRowsInTheRing(uint begin, uint end)
    {
        var grainIds = Enumerable.Range(0, 200).Select(_ => NewGrainId("ring")).ToList();
        foreach (var grainId in grainIds)
        {
            await Reminders.UpsertRow(NewReminder(grainId));
        }

        var rows = (await Reminders.ReadRows(begin, end)).Reminders;

        // Nothing outside the range, whoever wrote it; and of this test's grains, exactly those inside it.
        Assert.All(rows, row => Assert.True(InRing(row.GrainId.GetUniformHashCode(), begin, end), $"{row.GrainId} (hash {row.GrainId.GetUniformHashCode():X8}) is outside ({begin:X8}, {end:X8}]."));
        var ours = grainIds.ToHashSet();
        var expected = grainIds.Where(g => InRing(g.GetUniformHashCode(), begin, end)).Select(g => g.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, rows.Where(r => ours.Contains(r.GrainId)).Select(r => r.GrainId.ToString()).Order(StringComparer.Ordinal).ToList());
        var width = begin < end ? end - begin : (1UL << 32) - (begin - end);
        if (width >= 1UL << 29)
        {
            // Against a vacuous pass: an eighth of the ring or more holds some of 200 uniform hashes (all but 1 in 10^11).
            Assert.NotEmpty(expected);
        }
    }

    [Fact]
    public async Task ReadRows_HashRange_BeginIsExclusiveAndEndInclusive()
    {
        var grainId = NewGrainId();
        var hash = grainId.GetUniformHashCode();
        await Reminders.UpsertRow(NewReminder(grainId));

        async Task<bool> Contains(uint begin, uint end) =>
            (await Reminders.ReadRows(begin, end)).Reminders.Any(row => row.GrainId == grainId);

        unchecked
        {
            // begin < end: (hash - 1, hash] holds it, (hash, hash + 1] does not.
            Assert.True(await Contains(hash - 1, hash));
            Assert.False(await Contains(hash, hash + 1));
            Assert.False(await Contains(hash - 2, hash - 1));

            // begin >= end, the wrap-around: the whole ring but (end, begin].
            Assert.False(await Contains(hash, hash - 1));
            Assert.True(await Contains(hash + 1, hash));
            Assert.True(await Contains(hash - 1, hash - 2));
            Assert.True(await Contains(hash, hash));
        }
    }

    [Fact]
    public async Task RemoveRow_CurrentETag_RemovesAndReturnsTrue()
    {
        var reminder = NewReminder(NewGrainId());
        var other = NewReminder(reminder.GrainId, "other");
        var eTag = await Reminders.UpsertRow(reminder);
        var otherETag = await Reminders.UpsertRow(other);

        Assert.True(await Reminders.RemoveRow(reminder.GrainId, reminder.ReminderName, eTag!));

        Assert.Null(await Reminders.ReadRow(reminder.GrainId, reminder.ReminderName));
        Assert.False(await Reminders.RemoveRow(reminder.GrainId, reminder.ReminderName, eTag!));
        AssertRow(other, otherETag, await Reminders.ReadRow(reminder.GrainId, "other"));
    }

    [Fact]
    public async Task RemoveRow_StaleETag_ReturnsFalseAndKeepsRow()
    {
        var reminder = NewReminder(NewGrainId());
        var stale = await Reminders.UpsertRow(reminder);
        var current = await Reminders.UpsertRow(reminder);

        Assert.False(await Reminders.RemoveRow(reminder.GrainId, reminder.ReminderName, stale!));

        AssertRow(reminder, current, await Reminders.ReadRow(reminder.GrainId, reminder.ReminderName));
    }

    [Fact]
    public async Task RemoveRow_MissingReminder_ReturnsFalse()
    {
        var grainId = NewGrainId();
        var eTag = await Reminders.UpsertRow(NewReminder(grainId, "kept"));

        Assert.False(await Reminders.RemoveRow(grainId, "absent", eTag!));
        Assert.False(await Reminders.RemoveRow(NewGrainId(), "kept", eTag!));
        Assert.NotNull(await Reminders.ReadRow(grainId, "kept"));
    }

    [Fact]
    public async Task TestOnlyClearTable_RemovesEveryReminder()
    {
        await Reminders.UpsertRow(NewReminder(NewGrainId(), "a"));
        await Reminders.UpsertRow(NewReminder(NewGrainId(), "b"));

        await Reminders.TestOnlyClearTable();

        Assert.Empty((await Reminders.ReadRows(0, 0)).Reminders);
    }
}
