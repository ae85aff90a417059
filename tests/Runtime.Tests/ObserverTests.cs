using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Chat.Runtime.Observers;
using Orleans.Chat.Runtime.Tests.Grains;
using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests;

public sealed class ObserverTests
{
    [Fact]
    public void ObserverManager_SubscriptionNotRenewed_Expires()
    {
        var time = new ManualTimeProvider();
        var manager = new ObserverManager<IChatObserver>(TimeSpan.FromMinutes(1), NullLogger.Instance, time);
        var stale = new RecordingObserver();
        var renewed = new RecordingObserver();
        manager.Subscribe(stale);
        manager.Subscribe(renewed);

        time.Advance(TimeSpan.FromSeconds(40));
        manager.Subscribe(renewed);
        time.Advance(TimeSpan.FromSeconds(30));
        manager.Notify(o => o.OnMessageAsync("hi"));

        Assert.Equal(1, manager.Count);
        Assert.Empty(stale.Received);
        Assert.Equal(["hi"], renewed.Received);
    }

    [Fact]
    public void ObserverManager_ThrowingObserver_IsDroppedAndOthersStillNotified()
    {
        var manager = new ObserverManager<IChatObserver>(TimeSpan.FromMinutes(1), NullLogger.Instance);
        var good = new RecordingObserver();
        manager.Subscribe(new ThrowingObserver());
        manager.Subscribe(good);

        manager.Notify(o => o.OnMessageAsync("one"));
        manager.Notify(o => o.OnMessageAsync("two"));

        Assert.Equal(1, manager.Count);
        Assert.Equal(["one", "two"], good.Received);
    }

    [Fact]
    public async Task ObserverManager_ObserverThatNeverAnswersThenFails_DoesNotBlockAndIsDropped()
    {
        var manager = new ObserverManager<IChatObserver>(TimeSpan.FromMinutes(1), NullLogger.Instance);
        var slow = new GatedObserver();
        manager.Subscribe(slow);

        manager.Notify(o => o.OnMessageAsync("x"));
        Assert.Equal(1, manager.Count);
        slow.Gate.SetException(new InvalidOperationException("gone"));

        await Probe.WaitUntilAsync(() => manager.Count == 0, TimeSpan.FromSeconds(5), "the failed observer to be dropped");
    }

    [Fact]
    public async Task ObjectReference_ManyNotifications_DeliveredOneAtATimeInOrder()
    {
        await using var silo = await TestSilo.StartAsync();
        var observer = new RecordingObserver(silo.Probe, delay: true);
        var reference = silo.GrainFactory.CreateObjectReference<IChatObserver>(observer);
        var room = silo.GrainFactory.GetGrain<IRoomGrain>(Guid.NewGuid().ToString());
        await room.SubscribeAsync(reference);

        for (var i = 0; i < 50; i++)
        {
            await room.PublishAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await Probe.WaitUntilAsync(() => observer.Received.Count == 50, TimeSpan.FromSeconds(5), "50 deliveries");
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), observer.Received);
        Assert.Equal(1, silo.Probe.MaxInside);
    }

    [Fact]
    public async Task ObjectReference_ObserverThatBlocks_GrainDoesNotWait()
    {
        await using var silo = await TestSilo.StartAsync();
        var observer = new GatedObserver();
        var room = silo.GrainFactory.GetGrain<IRoomGrain>(Guid.NewGuid().ToString());
        await room.SubscribeAsync(silo.GrainFactory.CreateObjectReference<IChatObserver>(observer));

        var remaining = await room.PublishAsync("a").AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await room.PublishAsync("b").AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, remaining);
        observer.Gate.SetResult();
        await Probe.WaitUntilAsync(() => observer.Calls == 2, TimeSpan.FromSeconds(5), "both deliveries");
    }

    [Fact]
    public async Task ObjectReference_ObjectThrows_GrainDropsTheSubscription()
    {
        await using var silo = await TestSilo.StartAsync();
        var room = silo.GrainFactory.GetGrain<IRoomGrain>(Guid.NewGuid().ToString());
        var good = new RecordingObserver();
        await room.SubscribeAsync(silo.GrainFactory.CreateObjectReference<IChatObserver>(new ThrowingObserver()));
        await room.SubscribeAsync(silo.GrainFactory.CreateObjectReference<IChatObserver>(good));

        await room.PublishAsync("first");
        await Probe.WaitUntilAsync(() => good.Received.Count == 1, TimeSpan.FromSeconds(5), "first delivery");
        await Task.Delay(20);
        var remaining = await room.PublishAsync("second");

        Assert.Equal(1, remaining);
        await Probe.WaitUntilAsync(() => good.Received.Count == 2, TimeSpan.FromSeconds(5), "second delivery");
    }

    [Fact]
    public async Task DeleteObjectReference_ThenNotify_ObserverIsDropped()
    {
        await using var silo = await TestSilo.StartAsync();
        var room = silo.GrainFactory.GetGrain<IRoomGrain>(Guid.NewGuid().ToString());
        var observer = new RecordingObserver();
        await room.SubscribeAsync(silo.GrainFactory.CreateObjectReference<IChatObserver>(observer));

        silo.GrainFactory.DeleteObjectReference<IChatObserver>(observer);
        var remaining = await room.PublishAsync("after delete");

        Assert.Equal(0, remaining);
        Assert.Empty(observer.Received);
    }

    [Fact]
    public async Task CreateObjectReference_SameObjectTwice_ReferencesAreEqual()
    {
        await using var silo = await TestSilo.StartAsync();
        var observer = new RecordingObserver();

        var first = silo.GrainFactory.CreateObjectReference<IChatObserver>(observer);
        var second = silo.GrainFactory.CreateObjectReference<IChatObserver>(observer);

        Assert.Equal(first, second);
    }

    private sealed class RecordingObserver(Probe? probe = null, bool delay = false) : IChatObserver
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Received { get; } = new();

        public async ValueTask OnMessageAsync(string text)
        {
            probe?.Enter();
            if (delay)
            {
                await Task.Delay(1);
            }

            Received.Enqueue(text);
            probe?.Exit();
        }
    }

    private sealed class ThrowingObserver : IChatObserver
    {
        public ValueTask OnMessageAsync(string text) => throw new InvalidOperationException("observer is broken");
    }

    private sealed class GatedObserver : IChatObserver
    {
        private int _calls;

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => Volatile.Read(ref _calls);

        public async ValueTask OnMessageAsync(string text)
        {
            await Gate.Task;
            Interlocked.Increment(ref _calls);
        }
    }
}
