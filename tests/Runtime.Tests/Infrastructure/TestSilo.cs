using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Runtime.Hosting;
using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Runtime.Tests.Infrastructure;

/// <summary>An in-process silo host for one test: started on creation, stopped on dispose.</summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TestSilo(IHost host)
    {
        _host = host;
        Probe = host.Services.GetRequiredService<Probe>();
    }

    public IServiceProvider Services => _host.Services;

    public IGrainFactory GrainFactory => _host.Services.GetRequiredService<IGrainFactory>();

    public Probe Probe { get; }

    public static async Task<TestSilo> StartAsync(
        Action<IServiceCollection>? configure = null,
        IGrainStorage? storage = null,
        IReminderTable? reminders = null,
        Probe? probe = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSilo(silo => silo.AddGrains(typeof(TestSilo).Assembly));
        builder.Services.AddSingleton<IGrainStorage>(storage ?? new InMemoryGrainStorage());
        builder.Services.AddSingleton<IReminderTable>(reminders ?? new InMemoryReminderTable());
        builder.Services.AddSingleton(probe ?? new Probe());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new TestSilo(host);
    }

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
