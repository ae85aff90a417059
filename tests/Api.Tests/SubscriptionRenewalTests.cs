using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Chat.Api.Realtime;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Api.Tests;

/// <summary>
/// Renewing subscriptions after a silo died: Orleans fails a call whose message expired during placement with an
/// OperationCanceledException, which once escaped the renewal service and stopped the whole API host.
/// </summary>
public sealed class SubscriptionRenewalTests
{
    [Fact]
    public async Task RenewAll_OneCallFailsWithOrleansCancellation_OthersRenewedAndNothingThrown()
    {
        var grains = ScriptedGrains.Create();
        var delivered = new DeliveredReports(grains, Options.Create(new RealtimeOptions()), TimeProvider.System, NullLogger<DeliveredReports>.Instance);
        var connections = new UserConnections(grains, null!, delivered, NullLogger<UserConnections>.Instance);
        foreach (var user in new[] { "a", "b", "c" })
        {
            await connections.AddAsync(user, "session", new Connection(), replay: null, CancellationToken.None);
        }

        var scripted = (ScriptedGrains)(object)grains;
        scripted.Subscribed.Clear();
        scripted.FailingUser = "b";

        await connections.RenewAllAsync(CancellationToken.None);

        Assert.Equal(["a", "c"], scripted.Subscribed.Order());
    }

    /// <summary>An IGrainFactory whose user grains record subscriptions, one of them failing as an expired message does.</summary>
    public class ScriptedGrains : DispatchProxy
    {
        public List<string> Subscribed { get; } = [];

        public string? FailingUser { get; set; }

        public static IGrainFactory Create() => Create<IGrainFactory, ScriptedGrains>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod!.Name switch
        {
            nameof(IGrainFactory.CreateObjectReference) => args![0],
            nameof(IGrainFactory.DeleteObjectReference) => null,
            nameof(IGrainFactory.GetGrain) => User.Create(this, (string)args![0]!),
            _ => throw new NotSupportedException(targetMethod.Name),
        };
    }

    public class User : DispatchProxy
    {
        private ScriptedGrains _grains = null!;
        private string _id = "";

        public static IUserGrain Create(ScriptedGrains grains, string id)
        {
            var user = Create<IUserGrain, User>();
            ((User)(object)user)._grains = grains;
            ((User)(object)user)._id = id;
            return user;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IUserGrain.GetBroadcastGroupsAsync))
            {
                return ValueTask.FromResult<IReadOnlyList<ConversationView>>([]);
            }

            if (targetMethod.Name != nameof(IUserGrain.ConnectAsync))
            {
                throw new NotSupportedException(targetMethod.Name);
            }

            if (_id == _grains.FailingUser)
            {
                return ValueTask.FromException<Connected>(new OperationCanceledException($"Message expired before placement could complete for grain User/{_id}."));
            }

            lock (_grains.Subscribed)
            {
                _grains.Subscribed.Add(_id);
            }

            return ValueTask.FromResult(new Connected([], FeedLast: 0));
        }
    }

    private sealed class Connection : HubCallerContext
    {
        public override string ConnectionId { get; } = Guid.NewGuid().ToString("N");

        public override string? UserIdentifier => null;

        public override ClaimsPrincipal? User => null;

        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort()
        {
        }
    }
}
