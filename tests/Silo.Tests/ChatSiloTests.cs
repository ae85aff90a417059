using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Organizations;
using Orleans.Chat.Grains.Users;
using Orleans.Chat.Persistence;
using Orleans.Chat.Persistence.InMemory;
using Orleans.Chat.Persistence.Sqlite;
using Orleans.Configuration;
using Orleans.Metadata;
using Orleans.Runtime;

namespace Orleans.Chat.Silo.Tests;

public sealed class ChatSiloTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "orleans-chat-silo-tests-" + Guid.NewGuid().ToString("N"));

    public ChatSiloTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public async Task AddChatSilo_InMemoryProvider_RunsChatGrains()
    {
        using var host = Build(("Storage:Provider", "InMemory"));
        await host.StartAsync();

        var user = await CreateUserAsync(host);

        Assert.IsType<InMemoryMessageLog>(host.Services.GetRequiredService<IMessageLog>());
        Assert.Null(host.Services.GetService<SqliteStore>());
        Assert.Equal("Silo test", user.DisplayName);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddChatSilo_SqliteProvider_StateSurvivesARestartOnTheSameFile()
    {
        var path = Path.Combine(_directory, "chat.db");
        var organizationId = "org-" + Guid.NewGuid().ToString("N");
        using (var first = Build(("Storage:Provider", "Sqlite"), ("Storage:Sqlite:Path", path)))
        {
            await first.StartAsync();
            await first.Services.GetRequiredService<IGrainFactory>().GetGrain<IOrganizationGrain>(organizationId).CreateAsync(new CreateOrganizationCommand("Durable"));
            await first.StopAsync();
        }

        Assert.True(File.Exists(path));
        using var second = Build(("Storage:Provider", "Sqlite"), ("Storage:Sqlite:Path", path));
        await second.StartAsync();
        var organization = await second.Services.GetRequiredService<IGrainFactory>().GetGrain<IOrganizationGrain>(organizationId).GetAsync();
        Assert.Equal("Durable", organization.Name);
        Assert.Equal(path, second.Services.GetRequiredService<SqliteStore>().FilePath);
        await second.StopAsync();
    }

    [Fact]
    public async Task AddChatSilo_NoProvider_DefaultsToSqliteAtTheConnectionStringPath()
    {
        var path = Path.Combine(_directory, "default.db");
        using var host = Build(("ConnectionStrings:Sqlite", $"Data Source={path}"));
        await host.StartAsync();

        await CreateUserAsync(host);

        Assert.Equal(path, host.Services.GetRequiredService<SqliteStore>().FilePath);
        Assert.True(File.Exists(path));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddChatSilo_DataDirectoryOnly_PutsTheSqliteFileThere()
    {
        var dataDirectory = Path.Combine(_directory, "data-dir");
        using var host = Build(("Storage:DataDirectory", dataDirectory));
        await host.StartAsync();

        await CreateUserAsync(host);

        Assert.True(File.Exists(Path.Combine(dataDirectory, "chat.db")));
        await host.StopAsync();
    }

    [Fact]
    public void AddChatSilo_UnknownProvider_Throws()
    {
        Assert.Throws<OptionsValidationException>(() => Build(("Storage:Provider", "Cassandra")));
    }

    [Fact]
    public async Task AddChatSilo_RegistersHealthyStorageCheck()
    {
        using var host = Build(("Storage:Provider", "InMemory"));
        await host.StartAsync();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, report.Entries["storage"].Status);
        await host.StopAsync();
    }

    [Fact]
    public void AddChatSilo_BindsSiloOptionsFromConfiguration()
    {
        using var host = Build(
            ("Storage:Provider", "InMemory"),
            ("Silo:GrainCollection:CollectionAge", "00:02:00"),
            ("Silo:Messaging:ResponseTimeout", "00:00:05"),
            ("Silo:PasswordHasher:IterationCount", "12345"));

        Assert.Equal(TimeSpan.FromMinutes(2), host.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value.CollectionAge);
        Assert.Equal(TimeSpan.FromSeconds(5), host.Services.GetRequiredService<IOptions<SiloMessagingOptions>>().Value.ResponseTimeout);
        Assert.Equal(12345, host.Services.GetRequiredService<IOptions<PasswordHasherOptions>>().Value.IterationCount);
        Assert.IsType<PasswordHasher<UserState>>(host.Services.GetRequiredService<IPasswordHasher<UserState>>());
    }

    [Fact]
    public async Task AddChatSilo_GrainInterfaceIds_ComeFromACacheAndMatchOrleansOwn()
    {
        using var host = Build(("Storage:Provider", "InMemory"));
        await host.StartAsync();
        var resolver = host.Services.GetRequiredService<GrainInterfaceTypeResolver>();
        var providers = host.Services.GetServices<IGrainInterfaceTypeProvider>().ToList();

        // Orleans' own answer: its attribute provider, then its naming convention.
        var attributes = new AttributeGrainInterfaceTypeProvider(host.Services);
        foreach (var type in new[] { typeof(IUserGrain), typeof(IOrganizationGrain), typeof(IUserObserver) })
        {
            var expected = attributes.TryGetGrainInterfaceType(type, out var fromAttribute) ? fromAttribute : resolver.GetGrainInterfaceTypeByConvention(type);
            Assert.Equal(expected, resolver.GetGrainInterfaceType(type));
        }

        var provider = Assert.Single(providers);
        Assert.IsNotType<AttributeGrainInterfaceTypeProvider>(provider);
        var reference = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>("cached");
        Assert.Equal("cached", reference.GetPrimaryKeyString());
        await host.StopAsync();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold a file for a moment.
        }
    }

    private static IHost Build(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))
            .Append(new("Silo:PasswordHasher:IterationCount", "1000")).DistinctBy(s => s.Key));
        builder.AddChatSilo();
        return builder.Build();
    }

    private static async Task<UserProfile> CreateUserAsync(IHost host) =>
        await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>("user-" + Guid.NewGuid().ToString("N"))
            .CreateAsync(new CreateUserCommand("Silo test", "correct horse"));
}
