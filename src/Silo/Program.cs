using Orleans.Chat.Silo;

// The standalone silo: the same silo as the embedded server's, without the API. Clustering on a shared store comes with
// the cluster mode; until then it runs alone on localhost (silo port Silo:Port, gateway Silo:GatewayPort, default 30000).
var builder = Host.CreateApplicationBuilder(args);
var configuration = builder.Configuration;
builder.UseOrleans(silo => silo
    .UseLocalhostClustering(
        siloPort: configuration.GetValue("Silo:Port", 11111),
        gatewayPort: configuration.GetValue("Silo:GatewayPort", 30000))
    .AddChatGrains(configuration));
builder.Build().Run();
