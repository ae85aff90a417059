using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Chat.Persistence.InMemory;
using Orleans.Storage;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// "One sortNumber, always": two silos that do not see each other (what a membership change can cause for a moment)
/// each activate the same conversation over one shared message log. Whatever the interleaving, the log keeps one
/// gap-free sequence, the activation that is behind fails with Orleans' InconsistentStateException, and the caller's
/// retry with the same client message id lands exactly once.
/// </summary>
public sealed class SplitBrainTests
{
    [Fact]
    public async Task Send_TwoActivationsOnTwoSilos_OneGapFreeSequenceAndEveryRetryLandsOnce()
    {
        var log = new InMemoryMessageLog();
        using var first = await StartSiloAsync(log);
        using var second = await StartSiloAsync(log);
        var organizationId = ClusterFixture.NewId("org");
        var (alice, bob) = (ClusterFixture.NewId("user"), ClusterFixture.NewId("user"));
        foreach (var host in new[] { first, second })
        {
            // Each silo has its own grain storage here, so each needs the users; the log is what they share.
            await Members(host, organizationId, alice, bob);
        }

        var key = ConversationKey.For(organizationId, alice, bob).ToGrainKey();
        var conversations = new[] { first, second }.Select(h => h.Services.GetRequiredService<IGrainFactory>().GetGrain<IConversationGrain>(key)).ToArray();
        var conflicts = 0;
        for (var i = 0; i < 12; i++)
        {
            // Alternate silos, and now and then twice in a row on one: both activations stay alive and fall behind.
            var conversation = conversations[i % 3 == 2 ? 0 : i % 2];
            var command = new SendMessageCommand(i % 2 == 0 ? alice : bob, $"m{i}", $"c{i}");
            try
            {
                await conversation.SendAsync(command);
            }
            catch (InconsistentStateException)
            {
                conflicts++;
                var retry = await conversation.SendAsync(command);
                Assert.Equal($"m{i}", retry.Message.Body);
            }
        }

        var entries = await log.ReadAsync(key, 0, LogDirection.Forward, 100);
        Assert.Equal(Enumerable.Range(1, 12).Select(n => (long)n), entries.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"{(i % 2 == 0 ? alice : bob)}:c{i}"), entries.Select(e => e.IdempotencyKey));
        Assert.True(conflicts > 0, "the activations did fall behind each other");
    }

    private static Task<IHost> StartSiloAsync(IMessageLog log) => ClusterFixture.StartSiloAsync(
        [new("Storage:Provider", "InMemory"), new("Silo:PasswordHasher:IterationCount", "1000")],
        services => services.AddSingleton(log));

    private static async Task Members(IHost host, string organizationId, params string[] users)
    {
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IOrganizationGrain>(organizationId).CreateAsync(new CreateOrganizationCommand("Split"));
        foreach (var user in users)
        {
            await grains.GetGrain<IUserGrain>(user).CreateAsync(new CreateUserCommand("Split user", "correct horse"));
            await grains.GetGrain<IOrganizationGrain>(organizationId).AddMemberAsync(user);
        }
    }
}
