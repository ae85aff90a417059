using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Tests.Contract;

public abstract partial class StorageContractTests
{
    private static ReminderEntry NewReminder(Orleans.Chat.Runtime.GrainId grainId, string name = "tick") =>
        new(grainId, name, new DateTimeOffset(2026, 11, 21, 8, 30, 0, TimeSpan.Zero).AddTicks(12_345), TimeSpan.FromMinutes(5) + TimeSpan.FromTicks(7));

    [Fact]
    public async Task UpsertRowAsync_NewReminder_ReadRowReturnsItWithTheNewETag()
    {
        var reminder = NewReminder(NewGrainId());

        var eTag = await Reminders.UpsertRowAsync(reminder);

        var read = await Reminders.ReadRowAsync(reminder.GrainId, reminder.ReminderName);
        Assert.NotNull(read);
        Assert.Equal(reminder with { ETag = eTag }, read);
    }

    [Fact]
    public async Task UpsertRowAsync_ExistingReminder_ReplacesItAndChangesETag()
    {
        var reminder = NewReminder(NewGrainId());
        var first = await Reminders.UpsertRowAsync(reminder);

        var changed = reminder with { Period = TimeSpan.FromHours(1) };
        var second = await Reminders.UpsertRowAsync(changed);

        Assert.NotEqual(first, second);
        var read = await Reminders.ReadRowAsync(reminder.GrainId, reminder.ReminderName);
        Assert.Equal(changed with { ETag = second }, read);
    }

    [Fact]
    public async Task ReadRowAsync_MissingReminder_ReturnsNull()
    {
        Assert.Null(await Reminders.ReadRowAsync(NewGrainId(), "nothing"));
    }

    [Fact]
    public async Task ReadRowsAsync_SeveralGrains_ReturnsOnlyThatGrainsReminders()
    {
        var grainId = NewGrainId();
        var other = NewGrainId();
        await Reminders.UpsertRowAsync(NewReminder(grainId, "a"));
        await Reminders.UpsertRowAsync(NewReminder(grainId, "b"));
        await Reminders.UpsertRowAsync(NewReminder(other, "a"));

        var rows = await Reminders.ReadRowsAsync(grainId);

        Assert.Equal(["a", "b"], rows.Select(r => r.ReminderName).Order(StringComparer.Ordinal));
        Assert.All(rows, row => Assert.Equal(grainId, row.GrainId));
        Assert.Empty(await Reminders.ReadRowsAsync(NewGrainId()));
    }

    [Fact]
    public async Task ReadAllRowsAsync_AfterUpserts_ContainsEveryReminder()
    {
        var grains = Enumerable.Range(0, 3).Select(_ => NewGrainId("alarm")).ToArray();
        var eTags = new List<string>();
        foreach (var grainId in grains)
        {
            eTags.Add(await Reminders.UpsertRowAsync(NewReminder(grainId)));
        }

        var all = await Reminders.ReadAllRowsAsync();

        foreach (var (grainId, eTag) in grains.Zip(eTags))
        {
            Assert.Contains(NewReminder(grainId) with { ETag = eTag }, all);
        }
    }

    [Fact]
    public async Task RemoveRowAsync_CurrentETag_RemovesAndReturnsTrue()
    {
        var reminder = NewReminder(NewGrainId());
        var eTag = await Reminders.UpsertRowAsync(reminder);

        Assert.True(await Reminders.RemoveRowAsync(reminder.GrainId, reminder.ReminderName, eTag));

        Assert.Null(await Reminders.ReadRowAsync(reminder.GrainId, reminder.ReminderName));
        Assert.False(await Reminders.RemoveRowAsync(reminder.GrainId, reminder.ReminderName, eTag));
    }

    [Fact]
    public async Task RemoveRowAsync_StaleETag_ReturnsFalseAndKeepsRow()
    {
        var reminder = NewReminder(NewGrainId());
        var stale = await Reminders.UpsertRowAsync(reminder);
        var current = await Reminders.UpsertRowAsync(reminder);

        Assert.False(await Reminders.RemoveRowAsync(reminder.GrainId, reminder.ReminderName, stale));

        var read = await Reminders.ReadRowAsync(reminder.GrainId, reminder.ReminderName);
        Assert.Equal(current, read?.ETag);
    }
}
