using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Chat.Persistence.Postgres;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Orleans.Chat.Persistence;

/// <summary>
/// Cluster membership through Orleans' own providers, chosen by <c>Cluster:Provider</c>:
/// <list type="bullet">
/// <item><c>Localhost</c> (default): one silo on loopback, nothing shared (the embedded server; a client finds it at
/// <c>Silo:GatewayPort</c>).</item>
/// <item><c>Postgres</c>: <c>Microsoft.Orleans.Clustering.AdoNet</c> on the tables our PostgreSQL migration creates,
/// same connection string and schema as <c>Storage:Postgres</c>.</item>
/// <item><c>AzureStorage</c>: <c>Microsoft.Orleans.Clustering.AzureStorage</c>, a table in the account of
/// <c>ConnectionStrings:AzureStorage</c> (or <c>Storage:Azure:ConnectionString</c>).</item>
/// </list>
/// <c>Cluster:ClusterId</c> and <c>Cluster:ServiceId</c> (default <c>orleans-chat</c>) name the cluster; a silo listens
/// on <c>Silo:Port</c> (11111) and <c>Silo:GatewayPort</c> (30000) and advertises <c>Silo:AdvertisedAddress</c> (default:
/// loopback for Localhost, this host's first IPv4 address otherwise) under the name <c>Silo:Name</c> (default: generated).
/// <c>Cluster:Membership</c> binds
/// <see cref="ClusterMembershipOptions"/> over the defaults set here.
/// </summary>
public static class ChatClustering
{
    public const string SectionName = "Cluster";

    /// <summary>The default service and cluster id.</summary>
    public const string DefaultId = "orleans-chat";

    public static ISiloBuilder UseChatClustering(this ISiloBuilder silo, IConfiguration configuration, int? siloPort = null, int? gatewayPort = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var provider = Provider(configuration);
        silo.Services.Configure<ClusterOptions>(options => Name(options, configuration));
        ConfigureMembership(silo.Services, configuration);
        if (configuration["Silo:Name"] is { Length: > 0 } name)
        {
            // A silo restarted under the same name takes the place of its dead predecessor in membership.
            silo.Configure<SiloOptions>(options => options.SiloName = name);
        }

        var ports = (Silo: siloPort ?? configuration.GetValue("Silo:Port", 11111), Gateway: gatewayPort ?? configuration.GetValue("Silo:GatewayPort", 30000));
        if (provider == ClusterProvider.Localhost)
        {
            return silo.UseLocalhostClustering(ports.Silo, ports.Gateway, serviceId: ServiceId(configuration), clusterId: ClusterId(configuration));
        }

        if (provider == ClusterProvider.Postgres && !string.Equals(configuration["Storage:Provider"], "Postgres", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(configuration["Storage:Provider"], "PostgreSQL", StringComparison.OrdinalIgnoreCase))
        {
            // The membership tables come with the PostgreSQL store's migrations.
            throw new OptionsValidationException("Cluster:Provider", typeof(string), ["Cluster:Provider=Postgres needs Storage:Provider=Postgres on every silo."]);
        }

        silo.ConfigureEndpoints(AdvertisedAddress(configuration), ports.Silo, ports.Gateway, listenOnAnyHostAddress: true);
        return provider == ClusterProvider.Postgres
            ? silo.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = PostgresClusteringConnectionString(configuration);
            })
            : silo.UseAzureStorageClustering(options => options.TableServiceClient = new TableServiceClient(AzureConnectionString(configuration)));
    }

    public static IClientBuilder UseChatClustering(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(configuration);
        client.Services.Configure<ClusterOptions>(options => Name(options, configuration));

        // A call in flight through a gateway that dies gets no answer and Orleans' client does not fail it when the
        // connection drops: it waits for the response timeout, 30 s by default. Chat calls take milliseconds, so 5 s
        // (overridable from Cluster:Messaging) bounds what a silo crash costs a caller, who gets 503 and retries.
        client.Services.AddOptions<ClientMessagingOptions>()
            .Configure(options => options.ResponseTimeout = TimeSpan.FromSeconds(5))
            .Bind(configuration.GetSection(SectionName + ":Messaging"));

        // An API host may start before any silo: until one has created the membership tables and opened its gateway,
        // connecting fails in several ways (no table, no gateway, refused). Keep trying for two minutes.
        var connectUntil = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
        {
            if (cancellationToken.IsCancellationRequested || DateTime.UtcNow > connectUntil)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        });
        return Provider(configuration) switch
        {
            ClusterProvider.Localhost => client.UseLocalhostClustering(configuration.GetValue("Silo:GatewayPort", 30000), ServiceId(configuration), ClusterId(configuration)),
            ClusterProvider.Postgres => client.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = PostgresClusteringConnectionString(configuration);
            }),
            _ => client.UseAzureStorageClustering(options => options.TableServiceClient = new TableServiceClient(AzureConnectionString(configuration))),
        };
    }

    /// <summary>A loopback port nobody listens on now, for a silo alone on localhost (embedded servers, tests, benchmarks).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether silos share a membership table (anything but <c>Localhost</c>).</summary>
    public static bool IsShared(IConfiguration configuration) => Provider(configuration) != ClusterProvider.Localhost;

    /// <summary>
    /// Failure detection fast enough that callers see a dead silo's grains again within seconds, not the defaults'
    /// tens of seconds: a silo probes each other silo every second (default 5 s) and suspects it after 2 missed probes
    /// (default 3); one vote suffices when the cluster is small. A killed process refuses connections at once, so its
    /// probes fail fast. What keeps a busy but live silo from being declared dead is Orleans' own: a suspicion is
    /// confirmed by an indirect probe through another silo, and a prober that is itself degraded waits longer (both on
    /// by default). Overridable from <c>Cluster:Membership</c>.
    /// </summary>
    private static void ConfigureMembership(IServiceCollection services, IConfiguration configuration) =>
        services.AddOptions<ClusterMembershipOptions>()
            .Configure(options =>
            {
                options.ProbeTimeout = TimeSpan.FromSeconds(1);
                options.NumMissedProbesLimit = 2;
                options.NumVotesForDeathDeclaration = 1;
                options.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            })
            .Bind(configuration.GetSection(SectionName + ":Membership"));

    private static ClusterProvider Provider(IConfiguration configuration) => configuration[SectionName + ":Provider"] switch
    {
        null or "" => ClusterProvider.Localhost,
        var p when p.Equals("Localhost", StringComparison.OrdinalIgnoreCase) => ClusterProvider.Localhost,
        var p when p.Equals("Postgres", StringComparison.OrdinalIgnoreCase) || p.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase) => ClusterProvider.Postgres,
        var p when p.Equals("AzureStorage", StringComparison.OrdinalIgnoreCase) => ClusterProvider.AzureStorage,
        var p => throw new OptionsValidationException("Cluster:Provider", typeof(string), [$"Cluster:Provider is '{p}'; it must be Localhost, Postgres or AzureStorage."]),
    };

    private static void Name(ClusterOptions options, IConfiguration configuration)
    {
        options.ServiceId = ServiceId(configuration);
        options.ClusterId = ClusterId(configuration);
    }

    private static string ServiceId(IConfiguration configuration) => configuration[SectionName + ":ServiceId"] is { Length: > 0 } id ? id : DefaultId;

    private static string ClusterId(IConfiguration configuration) => configuration[SectionName + ":ClusterId"] is { Length: > 0 } id ? id : DefaultId;

    private static IPAddress AdvertisedAddress(IConfiguration configuration)
    {
        if (configuration["Silo:AdvertisedAddress"] is { Length: > 0 } configured)
        {
            return IPAddress.Parse(configured);
        }

        return Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
    }

    /// <summary>The store's connection string with its schema as the search path: the clustering queries name tables unqualified.</summary>
    private static string PostgresClusteringConnectionString(IConfiguration configuration)
    {
        var section = configuration.GetSection(PostgresStorageOptions.SectionName);
        var connectionString = configuration.GetConnectionString("Postgres") is { Length: > 0 } named ? named : section["ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new OptionsValidationException("ConnectionStrings:Postgres", typeof(string), ["Cluster:Provider=Postgres needs ConnectionStrings:Postgres (or Storage:Postgres:ConnectionString)."]);
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = section["Schema"] is { Length: > 0 } schema ? schema : "public" }.ConnectionString;
    }

    private static string AzureConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("AzureStorage") is { Length: > 0 } named ? named
        : configuration["Storage:Azure:ConnectionString"] is { Length: > 0 } configured ? configured
        : throw new OptionsValidationException("ConnectionStrings:AzureStorage", typeof(string), ["Cluster:Provider=AzureStorage needs ConnectionStrings:AzureStorage (or Storage:Azure:ConnectionString)."]);

    private enum ClusterProvider
    {
        Localhost,
        Postgres,
        AzureStorage,
    }
}
