using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Chat.Api.Realtime;
using Orleans.Chat.Grains.Conversations;

namespace Orleans.Chat.Api.Tests;

/// <summary>How a host gathers the delivered receipts of what it pushed and reports them, with time under the test's hand.</summary>
public sealed class DeliveredReportsTests
{
    private static readonly string Busy = ConversationKey.For("org", "alice", "bob").ToGrainKey();
    private static readonly string Quiet = ConversationKey.For("org", "alice", "carol").ToGrainKey();

    private readonly FakeTimeProvider _time = new();
    private readonly ReportingGrains _grains = ReportingGrains.Create();
    private readonly DeliveredReports _reports;

    public DeliveredReportsTests() =>
        _reports = new DeliveredReports(
            (IGrainFactory)(object)_grains,
            Options.Create(new RealtimeOptions { DeliveredReportInterval = TimeSpan.FromSeconds(3) }),
            _time,
            NullLogger<DeliveredReports>.Instance);

    [Fact]
    public async Task Report_ManyPushes_OneCallPerConversationWithEachRecipientsHighestSortNumber()
    {
        _reports.Note(Busy, ["bob"], 4);
        _reports.Note(Busy, ["bob"], 2);
        _reports.Note(Quiet, ["carol", "alice"], 7);

        await _reports.ReportAsync(all: false);

        Assert.Equal(
            [(Busy, "bob:4"), (Quiet, "alice:7,carol:7")],
            _grains.Reports.Select(r => (r.ConversationId, string.Join(",", r.Marks.OrderBy(m => m.UserId).Select(m => $"{m.UserId}:{m.SortNumber}")))).Order());
    }

    [Fact]
    public async Task Report_BusyConversation_ReportedAtOnceThenAtMostOncePerInterval()
    {
        _reports.Note(Busy, ["bob"], 1);
        await _reports.ReportAsync(all: false);
        _reports.Note(Busy, ["bob"], 2);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _reports.ReportAsync(all: false);
        _reports.Note(Busy, ["bob"], 3);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _reports.ReportAsync(all: false);

        Assert.Equal([1L], _grains.Reports.Select(r => r.Marks.Single().SortNumber));

        _time.Advance(TimeSpan.FromSeconds(1));
        await _reports.ReportAsync(all: false);
        Assert.Equal([1L, 3L], _grains.Reports.Select(r => r.Marks.Single().SortNumber));
    }

    [Fact]
    public async Task Report_HostStopping_ReportsWhatIsStillHeldBackByTheInterval()
    {
        _reports.Note(Busy, ["bob"], 1);
        await _reports.ReportAsync(all: false);
        _reports.Note(Busy, ["bob"], 2);

        await _reports.ReportAsync(all: true);

        Assert.Equal([1L, 2L], _grains.Reports.Select(r => r.Marks.Single().SortNumber));
    }

    /// <summary>An IGrainFactory whose conversation grains record the delivered reports they get.</summary>
    public class ReportingGrains : DispatchProxy
    {
        public List<(string ConversationId, IReadOnlyList<DeliveredMark> Marks)> Reports { get; } = [];

        public static ReportingGrains Create() => (ReportingGrains)(object)Create<IGrainFactory, ReportingGrains>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod!.Name == nameof(IGrainFactory.GetGrain)
            ? Conversation.Create(this, (string)args![0]!)
            : throw new NotSupportedException(targetMethod.Name);
    }

    public class Conversation : DispatchProxy
    {
        private ReportingGrains _grains = null!;
        private string _id = "";

        public static IConversationGrain Create(ReportingGrains grains, string id)
        {
            var conversation = Create<IConversationGrain, Conversation>();
            ((Conversation)(object)conversation)._grains = grains;
            ((Conversation)(object)conversation)._id = id;
            return conversation;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name != nameof(IChatConversation.MarkDeliveredManyAsync))
            {
                throw new NotSupportedException(targetMethod.Name);
            }

            lock (_grains.Reports)
            {
                _grains.Reports.Add((_id, (IReadOnlyList<DeliveredMark>)args![0]!));
            }

            return ValueTask.CompletedTask;
        }
    }
}
