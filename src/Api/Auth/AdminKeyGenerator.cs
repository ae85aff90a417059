using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Orleans.Chat.Api.Auth;

/// <summary>In Development only: when no admin key is configured, generates one for this run and logs it.</summary>
internal sealed partial class AdminKeyGenerator(IHostEnvironment environment, ILogger<AdminKeyGenerator> logger) : IPostConfigureOptions<AdminOptions>
{
    public void PostConfigure(string? name, AdminOptions options)
    {
        if (!string.IsNullOrEmpty(options.ApiKey) || !environment.IsDevelopment())
        {
            return;
        }

        options.ApiKey = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        LogGenerated(logger, options.ApiKey, AdminOptions.HeaderName);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "No Admin:ApiKey is configured: generated an admin key for this run (Development only). Send it as header {HeaderName}: {AdminKey}")]
    private static partial void LogGenerated(ILogger logger, string adminKey, string headerName);
}
