namespace Orleans.Chat.Silo;

/// <summary>
/// The standalone silo: the same silo as the embedded server's, without the API. Clustering on a shared store comes with
/// the cluster mode; until then it runs alone on localhost (silo port <c>Silo:Port</c>, default 11111; gateway
/// <c>Silo:GatewayPort</c>, default 30000).
/// </summary>
internal static class SiloProgram
{
    public static void Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        var configuration = builder.Configuration;
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(
                siloPort: configuration.GetValue("Silo:Port", 11111),
                gatewayPort: configuration.GetValue("Silo:GatewayPort", 30000))
            .AddChatGrains(configuration));
        builder.Build().Run();
    }
}
