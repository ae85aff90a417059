using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Orleans.Chat.Grains.Benchmarks;

/// <summary>Calls per second on one caller, from the median time per call (1e9 / median ns).</summary>
public sealed class CallsPerSecondColumn : IColumn
{
    public string Id => nameof(CallsPerSecondColumn);

    public string ColumnName => "Calls/s (median)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Calls per second from one caller: 1e9 / median nanoseconds per call";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        return statistics is null || statistics.Median <= 0
            ? "NA"
            : (1e9 / statistics.Median).ToString("N0", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>
/// The job the old runtime benchmark was run with from the command line (<c>--job short --inProcess</c>), set here so
/// a plain <c>--filter '*'</c> gets it: ShortRun (1 launch, 3 warm-up and 3 measured iterations) with the in-process
/// toolchain (no second build of a generated project; the benchmark, and the silo, run in this process). Plus the
/// calls/s column.
/// </summary>
public sealed class GrainBenchmarkConfig : ManualConfig
{
    public GrainBenchmarkConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"));
        AddColumn(new CallsPerSecondColumn());
    }
}
