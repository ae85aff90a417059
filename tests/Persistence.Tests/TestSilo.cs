using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>
/// A silo host configured as the server configures its storage (<c>UseChatStorage</c> from configuration), on localhost
/// clustering with free ports, its container validated on build. Built, not started, unless a test starts it.
/// </summary>
internal static class TestSilo
{
    public static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddTestJsonResolver();
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(ChatClustering.FreeLoopbackPort(), ChatClustering.FreeLoopbackPort(), serviceId: "persistence-tests", clusterId: "persistence-tests-" + TestData.NewKey())
            .UseChatStorage(builder.Configuration));
        return builder.Build();
    }
}
