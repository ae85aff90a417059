using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Messaging;
using Orleans.Chat.Runtime.Tests.Grains;
using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests;

/// <summary>Request messages are pooled: each caller must still get its own answer, even when timeouts race completions.</summary>
public sealed class MessagePoolTests
{
    [Fact]
    public async Task PooledMessages_ManyConcurrentAsyncCalls_EachCallerGetsItsOwnResult()
    {
        await using var silo = await TestSilo.StartAsync();
        var grains = Enumerable.Range(0, 4).Select(i => silo.GrainFactory.GetGrain<IReentrantGrain>($"echo-{Guid.NewGuid()}")).ToArray();

        var calls = Enumerable.Range(0, 5_000)
            .Select(i => Task.Run(async () => (Expected: i, Actual: await grains[i % grains.Length].EchoAfterAsync(i, 0))))
            .ToArray();
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.Equal(r.Expected, r.Actual));
        Assert.Equal(0, silo.Services.GetRequiredService<TimeoutSweeper>().WaitingCount);
    }

    [Fact]
    public async Task PooledMessages_TimeoutsRacingCompletions_NeverDeliverAnotherCallsResult()
    {
        await using var silo = await TestSilo.StartAsync(services =>
            services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMilliseconds(100)));
        var grain = silo.GrainFactory.GetGrain<IReentrantGrain>($"echo-{Guid.NewGuid()}");
        var (answered, timedOut) = (0, 0);

        // Delays straddle the timeout so completions and timeouts race on the same pooled messages. A loaded
        // machine can push a whole round past the timeout, so rounds repeat until both outcomes were seen.
        for (var round = 0; round < 10 && (answered == 0 || timedOut == 0); round++)
        {
            var calls = Enumerable.Range(0, 2_000).Select(i => Task.Run(async () =>
            {
                try
                {
                    return (Expected: i, Actual: await grain.EchoAfterAsync(i, i % 3 == 0 ? 0 : 80 + (i % 40)));
                }
                catch (TimeoutException)
                {
                    return (Expected: i, Actual: -1);
                }
            })).ToArray();
            var results = await Task.WhenAll(calls);

            Assert.All(results, r => Assert.True(r.Actual == r.Expected || r.Actual == -1, $"call {r.Expected} got {r.Actual}"));
            answered += results.Count(r => r.Actual == r.Expected);
            timedOut += results.Count(r => r.Actual == -1);
        }

        Assert.True(answered > 0 && timedOut > 0, $"answered {answered}, timed out {timedOut}: the race was not exercised");
    }
}
