using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Grains;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Chat.Runtime.Hosting;

namespace Orleans.Chat.Silo;

/// <summary>Hosts the chat silo in any .NET host: the grain runtime, the chat grains and the configured store.</summary>
public static class ChatSiloHostingExtensions
{
    /// <summary>
    /// Adds an in-process silo running the chat grains (<c>Orleans.Chat.Grains</c>) with
    /// <see cref="ChatJsonContext"/> for serialization, and the store chosen by <c>Storage:Provider</c>
    /// (Sqlite by default, file <c>{Storage:DataDirectory}/chat.db</c>, i.e. <c>data/chat.db</c>; or InMemory). Grain collection and messaging options bind from
    /// <c>Silo:GrainCollection</c> and <c>Silo:Messaging</c>.
    /// </summary>
    public static IHostApplicationBuilder AddChatSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;

        // Storage:DataDirectory (default "data") holds the SQLite file unless a path or connection string is given.
        if (string.IsNullOrWhiteSpace(configuration["Storage:Sqlite:Path"]) && string.IsNullOrWhiteSpace(configuration.GetConnectionString("Sqlite")))
        {
            configuration["Storage:Sqlite:Path"] = Path.Combine(DataDirectory(configuration), "chat.db");
        }

        var services = builder.Services;
        services.AddSilo(silo => silo
            .AddGrains(typeof(UserGrain).Assembly)
            .AddJsonTypeInfoResolver(ChatJsonContext.Default)
            .AddJsonTypeInfoResolver(GrainStateJsonContext.Default));
        services.AddStorage(builder.Configuration);
        services.AddOptions<GrainCollectionOptions>().BindConfiguration("Silo:GrainCollection");
        services.AddOptions<SiloMessagingOptions>().BindConfiguration("Silo:Messaging");
        services.AddOptions<PasswordHasherOptions>().BindConfiguration("Silo:PasswordHasher");
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPasswordHasher<UserState>, PasswordHasher<UserState>>();
        return builder;
    }

    /// <summary>Where this process keeps its files: <c>Storage:DataDirectory</c>, default <c>data</c> (relative to the working directory).</summary>
    public static string DataDirectory(IConfiguration configuration) =>
        configuration["Storage:DataDirectory"] is { Length: > 0 } directory ? directory : "data";
}
