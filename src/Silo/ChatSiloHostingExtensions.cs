using System.Net.Sockets;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Chat.Grains;
using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Chat.Silo.Push;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;

namespace Orleans.Chat.Silo;

/// <summary>The chat silo's configuration, the same for every host: the embedded server, the standalone silo, tests.</summary>
public static class ChatSiloHostingExtensions
{
    /// <summary>
    /// Adds what the chat grains need to a silo: the store chosen by <c>Storage:Provider</c> (Sqlite by default, file
    /// <c>{Storage:DataDirectory}/chat.db</c>, i.e. <c>data/chat.db</c>; Postgres; or InMemory) for grain state, reminders
    /// and the message log; the attachments' blob store (<see cref="AddChatAttachments"/>); grain state as JSON through
    /// <see cref="GrainStateJsonContext"/>; the Orleans Dashboard's collectors; and the grains' services. Grain collection
    /// and messaging options bind from <c>Silo:GrainCollection</c> and <c>Silo:Messaging</c>. Clustering is the host's choice.
    /// </summary>
    public static ISiloBuilder AddChatGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);

        // Storage:DataDirectory (default "data") holds the SQLite file unless a path or connection string is given.
        if (string.IsNullOrWhiteSpace(configuration["Storage:Sqlite:Path"]) && string.IsNullOrWhiteSpace(configuration.GetConnectionString("Sqlite")))
        {
            configuration["Storage:Sqlite:Path"] = Path.Combine(StorageServiceCollectionExtensions.DataDirectory(configuration), "chat.db");
        }

        var services = silo.Services;
        CachedGrainInterfaceTypes.Register(services);
        services.AddSingleton<IJsonTypeInfoResolver>(GrainStateJsonContext.Default);
        services.AddSingleton<IJsonTypeInfoResolver>(ChatJsonContext.Default);
        silo.UseChatStorage(configuration);
        silo.AddDashboard();
        // From the configuration given, which in a test cluster is not the one in the silo's services.
        services.AddOptions<GrainCollectionOptions>().Bind(configuration.GetSection("Silo:GrainCollection"));
        services.AddOptions<SiloMessagingOptions>().Bind(configuration.GetSection("Silo:Messaging"));
        services.AddOptions<PasswordHasherOptions>().Bind(configuration.GetSection("Silo:PasswordHasher"));
        services.AddOptions<GroupOptions>().Bind(configuration.GetSection("Silo:Groups"));
        services.AddOptions<PresenceOptions>().Bind(configuration.GetSection("Silo:Presence"));
        services.AddOptions<FeedOptions>().Bind(configuration.GetSection("Silo:Feed"));
        services.AddOptions<ConversationOptions>().Bind(configuration.GetSection("Silo:Conversations"));
        services.AddOptions<TypingOptions>().Bind(configuration.GetSection("Silo:Typing"))
            .Validate(o => o.Timeout > TimeSpan.Zero, "Silo:Typing:Timeout must be positive.").ValidateOnStart();
        services.AddChatAttachments(configuration);
        services.AddChatPush(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPasswordHasher<UserState>, PasswordHasher<UserState>>();
        return silo;
    }

    /// <summary>
    /// What attachments need in every process that handles them, the silo (their grains) and the API host in either mode
    /// (uploads and downloads): the <see cref="IBlobStore"/> that <c>Storage:Provider</c> chooses
    /// (<see cref="BlobStoreServiceCollectionExtensions.AddChatBlobStore"/>) and <see cref="AttachmentOptions"/> from
    /// <c>Attachments</c>. In embedded mode the silo and the API share one container, so the second call adds nothing.
    /// </summary>
    public static IServiceCollection AddChatAttachments(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(static d => d.ServiceType == typeof(IBlobStore)))
        {
            return services;
        }

        services.AddOptions<AttachmentOptions>().Bind(configuration.GetSection(AttachmentOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        return services.AddChatBlobStore(configuration);
    }

    /// <summary>
    /// Embedded mode: this process hosts a silo with the chat grains. Alone by default (<c>Cluster:Provider</c> =
    /// <c>Localhost</c>: silo port <c>Silo:Port</c>, default a free one; no gateway, since its only client is this
    /// process); with a shared membership table it joins that cluster on <c>Silo:Port</c> and <c>Silo:GatewayPort</c>.
    /// </summary>
    public static IHostApplicationBuilder AddChatSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var alone = !ChatClustering.IsShared(configuration);
        builder.UseOrleans(silo => silo
            .UseChatClustering(
                configuration,
                siloPort: alone ? configuration.GetValue<int?>("Silo:Port") ?? ChatClustering.FreeLoopbackPort() : null,
                gatewayPort: alone ? 0 : null)
            .AddChatGrains(configuration));
        return builder;
    }

    /// <summary>
    /// Client mode: this process hosts no grains; it calls the silos of the cluster named by <c>Cluster</c> through their
    /// gateways (see <see cref="ChatClustering"/>), and serves the Orleans Dashboard from them.
    /// </summary>
    public static IHostApplicationBuilder AddChatClusterClient(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.UseOrleansClient(client =>
        {
            CachedGrainInterfaceTypes.Register(client.Services);
            client.UseChatClustering(configuration).AddDashboard();
        });
        return builder;
    }
}
