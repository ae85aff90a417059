using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>What only the file blob store promises: a start-up removes the temporary files a killed process left.</summary>
public sealed class FileBlobStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "orleans-chat-tests", TestData.NewKey());

    [Fact]
    public async Task Start_TemporaryFilesOfAKilledWrite_AreRemovedAndBlobsKept()
    {
        Directory.CreateDirectory(_directory);
        var stored = TestData.NewKey();
        await File.WriteAllBytesAsync(Path.Combine(_directory, stored), [1, 2, 3]);
        var stale = Path.Combine(_directory, $"{TestData.NewKey()}.{TestData.NewKey()}.tmp");
        await File.WriteAllBytesAsync(stale, [4, 5]);

        await using var services = new ServiceCollection().AddLogging().AddFileBlobStore(options => options.Directory = _directory).BuildServiceProvider();
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        Assert.False(File.Exists(stale));
        var names = new List<string>();
        await foreach (var name in services.GetRequiredService<IBlobStore>().ListAsync())
        {
            names.Add(name);
        }

        Assert.Equal([stored], names);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
