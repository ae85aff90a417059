using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;
using Orleans.Storage;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// The guarantees of the engine our grains rely on, each proven once against Orleans as we configure it: a stale
/// duplicate activation cannot fork a conversation, reminders come back after the host restarts, subscriptions expire
/// unless renewed, and an observer that fails does not stop the others.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OrleansGuaranteesTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Send_AnotherActivationTookTheNextSortNumber_FailsAndTheRetryContinuesAfterIt()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var key = ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey();
        var conversation = cluster.GrainFactory.GetGrain<IConversationGrain>(key);
        await conversation.SendAsync(new SendMessageCommand(users[0], "first", "c1"));

        // What a duplicate activation elsewhere in the cluster would have done: stored sortNumber 2 on the shared log.
        var other = new Message("other", key, organizationId, 2, users[1], users[0], "from the other activation", "c2", DateTimeOffset.UtcNow);
        await cluster.MessageLog.AppendAsync(new LogEntry(key, 2, other.Id, $"{users[1]}:c2", users[1], other.CreatedAt,
            JsonSerializer.Serialize(other, ChatJsonContext.Default.Message)));

        // This activation still believes 1 is the last: its append is refused with Orleans' InconsistentStateException,
        // and Orleans deactivates it, so the retry runs on a fresh activation that reads the log.
        await Assert.ThrowsAsync<InconsistentStateException>(async () => await conversation.SendAsync(new SendMessageCommand(users[0], "third", "c3")));
        var retry = await conversation.SendAsync(new SendMessageCommand(users[0], "third", "c3"));

        Assert.Equal(3, retry.Message.SortNumber);
        var history = await conversation.GetHistoryAsync(new HistoryQuery(users[0], Order: HistoryOrder.OldestFirst));
        Assert.Equal(["first", "from the other activation", "third"], history.Messages.Select(m => m.Body));
    }

    [Fact]
    public async Task Reminder_HostRestartsOnTheSameSqliteFile_FiresAgainAfterTheRestart()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"reminders-{Guid.NewGuid():N}");
        var key = ClusterFixture.NewId("probe");
        try
        {
            using (var first = await StartSqliteSiloAsync(directory))
            {
                await first.Services.GetRequiredService<IGrainFactory>().GetGrain<IReminderProbeGrain>(key).StartAsync(TimeSpan.FromSeconds(1));
                await WaitForTicksAsync(key, atLeast: 1);
                await first.StopAsync();
            }

            var before = ReminderProbeGrain.Ticks[key];
            using var second = await StartSqliteSiloAsync(directory);

            // Nothing calls the grain after the restart: only the stored reminder can activate it.
            await WaitForTicksAsync(key, atLeast: before + 1);
            await second.Services.GetRequiredService<IGrainFactory>().GetGrain<IReminderProbeGrain>(key).StopAsync();
            await second.StopAsync();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Observer_NotRenewed_ExpiresAndGetsNothingMore()
    {
        var probe = cluster.GrainFactory.GetGrain<IObserverProbeGrain>(ClusterFixture.NewId("observers"));
        var observer = new ProbeObserver();
        var reference = cluster.GrainFactory.CreateObjectReference<IProbeObserver>(observer);
        await probe.SubscribeAsync(reference, TimeSpan.FromMilliseconds(500));

        Assert.Equal(1, await probe.NotifyAsync(1));
        await observer.WaitForAsync(1);
        await Task.Delay(800);

        Assert.Equal(0, await probe.NotifyAsync(2));
        await Task.Delay(200);
        Assert.Equal([1], observer.Pings);
        cluster.GrainFactory.DeleteObjectReference<IProbeObserver>(reference);
    }

    [Fact]
    public async Task Observer_OneThrows_TheOthersStillGetEveryNotification()
    {
        // Observer methods are one-way: the grain never waits for a host, and never learns that one failed. A failing or
        // vanished host is dropped when its subscription expires (above); meanwhile it must not cost the others anything.
        var probe = cluster.GrainFactory.GetGrain<IObserverProbeGrain>(ClusterFixture.NewId("observers"));
        var failing = new ProbeObserver(fail: true);
        var healthy = new ProbeObserver();
        var failingReference = cluster.GrainFactory.CreateObjectReference<IProbeObserver>(failing);
        var healthyReference = cluster.GrainFactory.CreateObjectReference<IProbeObserver>(healthy);
        await probe.SubscribeAsync(failingReference, TimeSpan.FromMinutes(1));
        await probe.SubscribeAsync(healthyReference, TimeSpan.FromMinutes(1));

        for (var ping = 1; ping <= 3; ping++)
        {
            Assert.Equal(2, await probe.NotifyAsync(ping));
        }

        await healthy.WaitForAsync(3);
        await failing.WaitForAsync(3);
        Assert.Equal([1, 2, 3], healthy.Pings.Order()); // One-way calls are not kept in order.
        cluster.GrainFactory.DeleteObjectReference<IProbeObserver>(failingReference);
        cluster.GrainFactory.DeleteObjectReference<IProbeObserver>(healthyReference);
    }

    private static Task<IHost> StartSqliteSiloAsync(string directory) =>
        ClusterFixture.StartSiloAsync(
            [
                new("Storage:Provider", "Sqlite"),
                new("Storage:Sqlite:Path", Path.Combine(directory, "chat.db")),
                new("Silo:PasswordHasher:IterationCount", "1000"),
            ],
            services => services.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1)));

    private static async Task WaitForTicksAsync(string key, int atLeast)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (ReminderProbeGrain.Ticks.GetValueOrDefault(key) < atLeast)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private sealed class ProbeObserver(bool fail = false) : IProbeObserver
    {
        private readonly ConcurrentQueue<int> _pings = new();

        public int[] Pings => [.. _pings];

        public ValueTask OnPingAsync(int ping)
        {
            _pings.Enqueue(ping);
            return fail ? ValueTask.FromException(new InvalidOperationException("This observer fails.")) : ValueTask.CompletedTask;
        }

        public async Task WaitForAsync(int count)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (_pings.Count < count)
            {
                await Task.Delay(20, timeout.Token);
            }
        }
    }
}
