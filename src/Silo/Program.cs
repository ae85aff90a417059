using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Silo;

/// <summary>
/// The standalone silo: the same silo as the embedded server's, without the API, in the cluster that <c>Cluster</c>
/// configures (see <see cref="ChatClustering"/>; alone on localhost by default, silo port <c>Silo:Port</c>
/// 11111, gateway <c>Silo:GatewayPort</c> 30000). It answers <c>/health</c> (the store's health) over HTTP on
/// <c>--urls</c>, default http://localhost:11080, for load balancers and orchestrators.
/// </summary>
internal static class SiloProgram
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls("http://localhost:11080");
        }

        var configuration = builder.Configuration;
        builder.UseOrleans(silo => silo.UseChatClustering(configuration).AddChatGrains(configuration));
        var app = builder.Build();
        app.MapHealthChecks("/health");
        app.Run();
    }
}
