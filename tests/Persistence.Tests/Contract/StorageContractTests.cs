using Orleans.Chat.Runtime;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Tests.Contract;

/// <summary>
/// The behaviour every storage provider must have. Each provider gets a subclass that supplies its store
/// through a class fixture; every test uses fresh keys, so tests of one class can share a store.
/// </summary>
public abstract partial class StorageContractTests(StorageFixture fixture)
{
    protected IGrainStorage GrainStorage => fixture.GrainStorage;

    protected IReminderTable Reminders => fixture.Reminders;

    protected IMessageLog Log => fixture.Log;

    protected static GrainId NewGrainId(string type = "test") => new(type, TestData.NewKey());

    protected static LogEntry NewEntry(string logId, long sequence, string? idempotencyKey = null, string author = "alice", string? payload = null) =>
        new(
            logId,
            sequence,
            TestData.NewKey(),
            idempotencyKey,
            author,
            new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero).AddTicks(sequence * 1_234_567),
            payload ?? $$"""{"text":"message {{sequence}}"}""");

    protected async Task<List<LogEntry>> AppendRangeAsync(string logId, int count, Func<long, string>? author = null)
    {
        var entries = new List<LogEntry>(count);
        for (var sequence = 1; sequence <= count; sequence++)
        {
            entries.Add(await Log.AppendAsync(NewEntry(logId, sequence, $"client-{sequence}", author?.Invoke(sequence) ?? "alice")));
        }

        return entries;
    }
}
