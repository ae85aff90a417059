using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Api.Auth;

/// <summary>
/// Authentication and authorization: user access tokens from ASP.NET Core's bearer token handler (data protection,
/// keys persisted so tokens survive a restart), a session check on every request, and the admin key scheme.
/// </summary>
public static class ChatAuthorization
{
    public const string AdminPolicy = "admin";
    public const string AdminRole = "admin";
    public const string UserScheme = BearerTokenDefaults.AuthenticationScheme;

    /// <summary>Where hub connections may pass the access token as a query parameter (WebSockets cannot set headers).</summary>
    public const string HubPathPrefix = "/hubs";

    /// <summary>
    /// Where the data-protection keys (which protect access tokens) are kept, so tokens survive a restart:
    /// <c>DataProtection:KeysPath</c>, else <c>{Storage:DataDirectory}/keys</c>, else <c>data/keys</c> (relative to the
    /// working directory, like the SQLite file).
    /// </summary>
    public static string KeysPath(IConfiguration configuration)
    {
        var path = configuration["DataProtection:KeysPath"];
        return Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? Path.Combine(StorageServiceCollectionExtensions.DataDirectory(configuration), "keys") : path);
    }

    public static IHostApplicationBuilder AddChatAuthentication(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddDataProtection()
            .SetApplicationName("Orleans.Chat")
            .PersistKeysToFileSystem(new DirectoryInfo(KeysPath(builder.Configuration)));

        services.AddAuthentication(UserScheme)
            .AddBearerToken(UserScheme, options =>
            {
                options.Events.OnMessageReceived = context =>
                {
                    if (string.IsNullOrEmpty(context.Token) && HubQueryToken(context.Request) is { } token)
                    {
                        context.Token = token;
                    }

                    return Task.CompletedTask;
                };
            })
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, configureOptions: null);

        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BearerTokenOptions>(UserScheme).Configure<IOptions<AuthOptions>>((options, auth) =>
            options.BearerTokenExpiration = auth.Value.AccessTokenLifetime);

        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IPostConfigureOptions<AdminOptions>, AdminKeyGenerator>();

        // No scheme on the user policies: they must see the principal as SessionValidationMiddleware left it.
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, policy => policy
                .AddAuthenticationSchemes(AdminKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireRole(AdminRole));

        services.AddSingleton<AccessTokenIssuer>();
        return builder;
    }

    /// <summary>The access token of a request as the bearer handler looks for it: the Authorization header, else (hub only) the query.</summary>
    public static string? AccessToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : HubQueryToken(request);
    }

    private static string? HubQueryToken(HttpRequest request) =>
        request.Path.StartsWithSegments(HubPathPrefix, StringComparison.OrdinalIgnoreCase)
        && request.Query.TryGetValue("access_token", out var token) ? token.ToString() : null;
}
