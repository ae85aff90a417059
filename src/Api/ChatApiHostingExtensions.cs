using System.Text.Json.Serialization.Metadata;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Api.Endpoints;
using Orleans.Chat.Api.Errors;
using Orleans.Chat.Api.Realtime;
using Orleans.Chat.Grains;
using Orleans.Chat.Silo;
using Orleans.Dashboard;

namespace Orleans.Chat.Api;

/// <summary>Registration and pipeline of the Api host, so Program.cs stays a short list.</summary>
public static class ChatApiHostingExtensions
{
    /// <summary>Where the Orleans Dashboard is served.</summary>
    public const string DashboardPath = "/dashboard";

    /// <summary>Problem details, auth, rate limits, JSON, SignalR with the observer bridge, attachments, OpenAPI and health checks.</summary>
    public static IHostApplicationBuilder AddChatApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddChatProblemDetails();
        builder.AddChatAuthentication();

        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, ChatJsonContext.Default));
        services.AddValidation();

        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(AuthApi.SignInRateLimitPolicy, context =>
            {
                var limits = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimitOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "local",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.SignInPerMinute, Window = TimeSpan.FromMinutes(1) });
            });
        });

        services.AddSingleton<TypingRateLimiter>();

        // No detailed errors, even in Development: they would prefix ChatHubFilter's "code: message" texts.
        services.AddSignalR(options => options.AddFilter<ChatHubFilter>())
            .AddJsonProtocol(options => options.PayloadSerializerOptions.TypeInfoResolver =
                JsonTypeInfoResolver.Combine(ChatJsonContext.Default, new DefaultJsonTypeInfoResolver()));
        services.AddSingleton<ChatHubFilter>();
        services.AddSingleton<UserConnections>();
        services.AddSingleton<OfflineReplay>();
        services.AddSingleton<ConnectionExpiry>();
        services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeliveredReports>();
        services.AddHostedService(static sp => sp.GetRequiredService<DeliveredReports>());
        services.AddSingleton<UserSubscriptionRenewal>();
        services.AddHostedService(static sp => sp.GetRequiredService<UserSubscriptionRenewal>());
        services.AddSingleton<IClusterConnectionStatusObserver>(static sp => sp.GetRequiredService<UserSubscriptionRenewal>());

        services.AddChatAttachments(builder.Configuration);

        services.AddOpenApi(options => options.AddChatSecurity());
        services.AddHealthChecks();
        return builder;
    }

    /// <summary>The middleware pipeline and every endpoint: REST under /v1, the hub, /openapi/v1.json and /health.</summary>
    public static WebApplication UseChatApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseMiddleware<SessionValidationMiddleware>();
        app.UseRateLimiter();
        app.UseAuthorization();

        app.MapAdminApi();
        app.MapAuthApi();
        app.MapUsersApi();
        app.MapPresenceApi();
        app.MapPrivacyApi();
        app.MapMessagesApi();
        app.MapMessageSearchApi();
        app.MapMessageChangesApi();
        app.MapThreadsApi();
        app.MapGroupsApi();
        app.MapAttachmentsApi();
        app.MapContactsApi();
        app.MapNotificationsApi();
        app.MapPushApi();
        app.MapTypingApi();
        app.MapSyncApi();
        // Not CloseOnAuthenticationExpiration: ConnectionExpiry warns first and lets the client extend with a new token.
        app.MapHub<ChatHub>(ChatHub.Path);
        app.MapOpenApi().AllowAnonymous();
        app.MapHealthChecks("/health").AllowAnonymous();

        // The Orleans Dashboard for operators: open in Development, behind the admin key anywhere else.
        var dashboard = app.MapOrleansDashboard(DashboardPath);
        if (app.Environment.IsDevelopment())
        {
            dashboard.AllowAnonymous();
        }
        else
        {
            dashboard.RequireAuthorization(ChatAuthorization.AdminPolicy);
        }

        return app;
    }
}
