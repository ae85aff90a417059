using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Chat.Persistence;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Storage;

namespace Orleans.Chat.Storage.Benchmarks;

/// <summary>
/// Grain state on PostgreSQL: our group-commit provider against Orleans' ADO.NET provider
/// (Microsoft.Orleans.Persistence.AdoNet), both behind the same silo and the same JSON serializer. W grains each write
/// their own state (a roster-sized payload) in a loop, as user and conversation grains do; measured: writes/s, latency,
/// and CPU per write in this process (silo and provider) and in PostgreSQL's processes.
/// Usage: grain-state [--writers 1,16,256] [--seconds 10] [--warmup 3] [--payload 2000] [--postgres "<connection string>"]
/// </summary>
internal static class GrainStateBench
{
    public static async Task RunAsync(string[] args)
    {
        string Value(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        var writers = Value("--writers", "1,16,256").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        var seconds = int.Parse(Value("--seconds", "10"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(Value("--warmup", "3"), CultureInfo.InvariantCulture);
        var payload = new string('x', int.Parse(Value("--payload", "2000"), CultureInfo.InvariantCulture));
        var connectionString = Value("--postgres", Environment.GetEnvironmentVariable("ORLEANS_CHAT_TEST_POSTGRES") ?? "") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("PostgreSQL needs --postgres or ORLEANS_CHAT_TEST_POSTGRES (eval \"$(scripts/postgres.sh start)\").");

        Console.WriteLine($"# grain state on PostgreSQL: {Environment.ProcessorCount} cores, {seconds} s measured after {warmup} s warm-up, {payload.Length}-character state");
        Console.WriteLine();
        Console.WriteLine("| provider | writers | writes/s | p50 ms | p99 ms | silo CPU µs/write | PostgreSQL CPU µs/write |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var count in writers)
        {
            // Interleaved, so that both see the same machine.
            foreach (var provider in new[] { "group-commit", "adonet" })
            {
                var result = await MeasureAsync(provider, count, seconds, warmup, payload, connectionString);
                Console.WriteLine(result);
            }
        }
    }

    private static async Task<string> MeasureAsync(string provider, int writers, int seconds, int warmup, string payload, string connectionString)
    {
        var schema = "bench_state_" + Guid.NewGuid().ToString("N");
        using var host = await StartSiloAsync(provider, connectionString, schema);
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var run = Guid.NewGuid().ToString("N")[..8];
            var measuring = 0;
            var stop = 0;
            var latencies = new List<long>[writers];
            var loops = Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
            {
                var samples = latencies[writer] = new List<long>(1 << 14);
                var grain = grains.GetGrain<IStateWriterGrain>($"writer-{run}-{writer}");
                while (Volatile.Read(ref stop) == 0)
                {
                    var started = Stopwatch.GetTimestamp();
                    await grain.WriteAsync(payload);
                    if (Volatile.Read(ref measuring) == 1)
                    {
                        samples.Add(Stopwatch.GetTimestamp() - started);
                    }
                }
            })).ToArray();

            await Task.Delay(TimeSpan.FromSeconds(warmup));
            var siloCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var postgresCpu = PostgresCpu();
            var clock = Stopwatch.StartNew();
            Volatile.Write(ref measuring, 1);
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            Volatile.Write(ref measuring, 0);
            clock.Stop();
            siloCpu = Process.GetCurrentProcess().TotalProcessorTime - siloCpu;
            postgresCpu = PostgresCpu() - postgresCpu;
            Volatile.Write(ref stop, 1);
            await Task.WhenAll(loops);

            var all = latencies.SelectMany(l => l).Order().ToArray();
            double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
            double Percentile(double p) => all.Length == 0 ? double.NaN : Milliseconds(all[Math.Min(all.Length - 1, (int)(p * all.Length))]);
            return string.Create(
                CultureInfo.InvariantCulture,
                $"| {provider} | {writers} | {all.Length / clock.Elapsed.TotalSeconds:N0} | {Percentile(0.5):F2} | {Percentile(0.99):F2} | {siloCpu.TotalMicroseconds / Math.Max(1, all.Length):F0} | {postgresCpu.TotalMicroseconds / Math.Max(1, all.Length):F0} |");
        }
        finally
        {
            await host.StopAsync();
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<IHost> StartSiloAsync(string provider, string connectionString, string schema)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:Postgres:ConnectionString"] = connectionString,
            ["Storage:Postgres:Schema"] = schema,
        });
        builder.Services.AddLogging();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(ChatClustering.FreeLoopbackPort(), ChatClustering.FreeLoopbackPort(), serviceId: "bench", clusterId: "bench-" + schema);

            // The chat store as the server has it; the bench grains' state goes to the provider under test.
            silo.UseChatStorage(builder.Configuration);
            if (provider == "adonet")
            {
                silo.AddAdoNetGrainStorage(StateWriterGrain.StorageName, options =>
                {
                    options.Invariant = "Npgsql";
                    options.ConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema }.ConnectionString;
                });
                silo.Services.AddOptions<AdoNetGrainStorageOptions>(StateWriterGrain.StorageName)
                    .PostConfigure<JsonGrainStateSerializer>((options, serializer) => options.GrainStorageSerializer = serializer);
            }
            else
            {
                silo.Services.AddKeyedSingleton(StateWriterGrain.StorageName, static (sp, _) => sp.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME));
            }
        });

        // Orleans' provider reads its queries when the silo starts: they must be there first (both runs get the same schema).
        await AdoNetGrainStorageSchema.CreateAsync(connectionString, schema);

        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>CPU time of every PostgreSQL process on this machine (utime + stime from /proc, in clock ticks of 10 ms).</summary>
    private static TimeSpan PostgresCpu()
    {
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                if (!name.StartsWith("postgres", StringComparison.Ordinal))
                {
                    continue;
                }

                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
            {
                // A process that ended meanwhile, or not ours to read.
            }
        }

        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}

/// <summary>A grain that stores what it is given, as user and conversation grains store their state.</summary>
public interface IStateWriterGrain : IGrainWithStringKey
{
    Task WriteAsync(string payload);
}

public sealed class StateWriterGrain([PersistentState("bench", StateWriterGrain.StorageName)] IPersistentState<StateWriterState> state) : Grain, IStateWriterGrain
{
    public const string StorageName = "BenchState";

    public async Task WriteAsync(string payload)
    {
        state.State.Payload = payload;
        state.State.Writes++;
        await state.WriteStateAsync();
    }
}

[GenerateSerializer]
public sealed class StateWriterState
{
    [Id(0)]
    public string Payload { get; set; } = "";

    [Id(1)]
    public long Writes { get; set; }
}
