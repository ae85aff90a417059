using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Chat.Persistence.Blobs;
using Orleans.Chat.Persistence.InMemory;
using Orleans.Chat.Silo;
using Orleans.Providers;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// An in-process Orleans test cluster of two silos running the chat grains on in-memory storage (Orleans' memory grain
/// storage and reminders, and one message log and one blob store shared by both silos, as a real store would be), shared
/// by a test collection. Tests call grains through the cluster's client, so every argument, result and error crosses a real
/// serialization boundary.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    public IGrainFactory GrainFactory => Cluster.Client;

    public IMessageLog MessageLog { get; } = new InMemoryMessageLog();

    public IBlobStore BlobStore { get; } = new InMemoryBlobStore();

    /// <summary>How long an upload nothing attaches lives here: short, so that tests can watch it expire.</summary>
    public static TimeSpan UnattachedLifetime { get; } = TimeSpan.FromSeconds(3);

    /// <summary>Presence changes reach subscribers at most once per this time here.</summary>
    public static TimeSpan PresenceCoalesceWindow { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a start of typing lasts without a renewal here.</summary>
    public static TimeSpan TypingTimeout { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The first silo's services.</summary>
    public IServiceProvider Services => Cluster.GetSiloServiceProvider();

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings()).Build();
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddChatGrains(configuration);
            silo.Services.AddSingleton(MessageLog);
            silo.Services.AddSingleton(BlobStore);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <summary>
    /// Builds and starts one embedded silo host (as the Api runs it) with these settings and, optionally, changed
    /// services (a storage decorator), for tests of what a process leaves on disk.
    /// </summary>
    /// <summary>Puts a decorator (a singleton of its own type, for the test to reach) around the silo's default grain storage.</summary>
    public static void DecorateGrainStorage<T>(IServiceCollection services, Func<IGrainStorage, T> decorate)
        where T : class, IGrainStorage
    {
        var name = ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME;
        var inner = services.Last(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, name)).KeyedImplementationFactory!;
        services.AddSingleton(sp => decorate((IGrainStorage)inner(sp, name)));
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => sp.GetRequiredService<T>());
    }

    /// <summary>Puts a decorator (a singleton of its own type, for the test to reach) around the silo's roster store.</summary>
    public static void DecorateRosterStore<T>(IServiceCollection services, Func<IRosterStore, T> decorate)
        where T : class, IRosterStore
    {
        var registered = services.Last(d => d.ServiceType == typeof(IRosterStore));
        services.AddSingleton(sp => decorate((IRosterStore)(registered.ImplementationFactory?.Invoke(sp) ?? ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!))));
        services.AddSingleton<IRosterStore>(sp => sp.GetRequiredService<T>());
    }

    /// <summary>A user's roster as stored, by conversation id.</summary>
    public static async Task<Dictionary<string, RosterEntry>> StoredRosterAsync(IRosterStore store, string userId) =>
        (await store.ReadAsync(userId)).ToDictionary(row => row.ConversationId, row => JsonSerializer.Deserialize(row.Payload, GrainStateJsonContext.Default.RosterEntry)!);

    public static async Task<IHost> StartSiloAsync(IEnumerable<KeyValuePair<string, string?>> settings, Action<IServiceCollection>? configureServices = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddChatSilo();
        configureServices?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>A key no other test uses.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>An organization with the given number of member users (ids returned in order).</summary>
    public async Task<(string OrganizationId, string[] Users)> OrganizationWithMembersAsync(int members)
    {
        var organizationId = NewId("org");
        var organization = GrainFactory.GetGrain<IOrganizationGrain>(organizationId);
        await organization.CreateAsync(new CreateOrganizationCommand("Test org"));
        var users = await Task.WhenAll(Enumerable.Range(0, members).Select(async _ =>
        {
            var userId = await CreateUserAsync();
            await organization.AddMemberAsync(userId);
            return userId;
        }));
        return (organizationId, users);
    }

    public async Task<string> CreateUserAsync(string? email = null, string? phone = null, string password = "correct horse")
    {
        var id = NewId("user");
        await GrainFactory.GetGrain<IUserGrain>(id).CreateAsync(new CreateUserCommand("Test user", password, email, phone));
        return id;
    }

    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Storage:Provider", "InMemory"),
        new("Silo:PasswordHasher:IterationCount", "1000"),

        // Broadcast groups broadcast at once (the grace exists for API hosts, which the grain tests stand in for).
        new("Silo:Groups:BroadcastGrace", "00:00:00"),
        new("Silo:Presence:CoalesceWindow", PresenceCoalesceWindow.ToString("c", System.Globalization.CultureInfo.InvariantCulture)),

        // Conversations across organizations ask the organizations again after 2 s, so that tests can see a setting turned off.
        new("Silo:Conversations:CrossOrganizationRecheck", "00:00:02"),
        // A start of typing not renewed ends after 1 s, so that tests can watch it end.
        new("Silo:Typing:Timeout", TypingTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture)),
        new("Attachments:UnattachedLifetime", UnattachedLifetime.ToString("c", System.Globalization.CultureInfo.InvariantCulture)),
        new("Silo:Feed:MaxReplay", MaxReplay.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    /// <summary>A device more changes behind than this takes a snapshot here: small, so that tests reach it.</summary>
    public const int MaxReplay = 30;
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>A user observer that records every event, for assertions.</summary>
public sealed class RecordingObserver : IUserObserver
{
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>();

    public List<object> Received { get; } = [];

    /// <summary>Records the change itself and each of its parts (a test waits for the part it is about).</summary>
    public async ValueTask OnFeedChangeAsync(FeedChange change)
    {
        await Record(change);
        object?[] parts = [change.Message, change.Read, .. change.Delivered ?? [], change.MessageChange, change.Conversation, change.Profile, change.Contact, change.Subscription];
        foreach (var part in parts.OfType<object>())
        {
            await Record(part);
        }
    }

    public ValueTask OnCustomMessageAsync(CustomMessageSent sent) => Record(sent);

    public ValueTask OnTypingChangedAsync(TypingChanged changed) => Record(changed);

    public ValueTask OnSessionRevokedAsync(SessionRevoked revoked) => Record(revoked);

    public ValueTask OnPresenceChangedAsync(UserPresence presence) => Record(presence);

    public ValueTask OnSilencedChangedAsync(IReadOnlyList<string> silenced) => Record(silenced);

    /// <summary>The events of type <typeparamref name="T"/> received so far.</summary>
    public List<T> All<T>()
    {
        lock (Received)
        {
            return [.. Received.OfType<T>()];
        }
    }

    /// <summary>The next event of type <typeparamref name="T"/> matching <paramref name="match"/> (waits up to 5 s).</summary>
    public async Task<T> NextAsync<T>(Func<T, bool>? match = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        lock (Received)
        {
            if (Received.OfType<T>().FirstOrDefault(e => match?.Invoke(e) ?? true) is { } past)
            {
                return past;
            }
        }

        while (true)
        {
            var next = await _events.Reader.ReadAsync(timeout.Token);
            if (next is T typed && (match?.Invoke(typed) ?? true))
            {
                return typed;
            }
        }
    }

    private ValueTask Record(object e)
    {
        lock (Received)
        {
            Received.Add(e);
        }

        return _events.Writer.WriteAsync(e);
    }
}
