using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Chat.Persistence.AzureStorage;
using Orleans.Runtime;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>
/// A silo configured as the server configures it with <c>Storage:Provider=AzureStorage</c>, on Azurite: Orleans' Blob
/// grain storage writing our JSON, Orleans' Azure Table reminders, and our message log and rosters.
/// </summary>
public sealed class AzureStorageSiloTests : IAsyncLifetime
{
    private readonly string _messages = AzuriteTestStorage.NewTableName();
    private readonly string _reminders = AzuriteTestStorage.NewTableName();
    private readonly string _rosters = AzuriteTestStorage.NewTableName();
    private readonly string _container = AzuriteTestStorage.NewContainerName();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (AzuriteTestStorage.IsConfigured)
        {
            foreach (var table in new[] { _messages, _reminders, _rosters })
            {
                await AzuriteTestStorage.Table(table).DeleteAsync();
            }

            await AzuriteTestStorage.Container(_container).DeleteIfExistsAsync();
        }
    }

    private IHost BuildSilo() => TestSilo.Build(new()
    {
        ["Storage:Provider"] = "AzureStorage",
        ["ConnectionStrings:AzureStorage"] = AzuriteTestStorage.ConnectionString,
        ["Storage:Azure:MessageTableName"] = _messages,
        ["Storage:Azure:ReminderTableName"] = _reminders,
        ["Storage:Azure:RosterTableName"] = _rosters,
        ["Storage:Azure:GrainStateContainerName"] = _container,
    });

    [AzuriteFact]
    public async Task UseChatStorage_AzureStorage_GrainStateSurvivesASiloRestartAsOurJsonInABlob()
    {
        var key = TestData.NewKey();
        using (var silo = BuildSilo())
        {
            await silo.StartAsync();
            var grain = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IAzureProfileProbeGrain>(key);
            Assert.Equal("(none)", await grain.DescribeAsync());
            await grain.SetAsync("Grüße 🌍", 3, ["a", "b"]);
            await silo.StopAsync();
        }

        using (var restarted = BuildSilo())
        {
            await restarted.StartAsync();
            var grain = restarted.Services.GetRequiredService<IGrainFactory>().GetGrain<IAzureProfileProbeGrain>(key);
            Assert.Equal("Grüße 🌍/3/a,b", await grain.DescribeAsync());
            await restarted.StopAsync();
        }

        // One blob, Orleans' name for it, holding exactly what our serializer writes (System.Text.Json, web defaults):
        // not Orleans' default Newtonsoft JSON with $type.
        var container = AzuriteTestStorage.Container(_container);
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            blobs.Add(blob.Name);
        }

        var name = Assert.Single(blobs);
        Assert.Contains(key, name, StringComparison.Ordinal);
        Assert.StartsWith(AzureProfileProbeGrain.StateName + "-azure-profile-probe/", name, StringComparison.Ordinal);
        var content = (await container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString();
        Assert.Equal(JsonSerializer.Serialize(new TestState("Grüße 🌍", 3, ["a", "b"]), JsonSerializerOptions.Web), content);
    }

    [AzuriteFact]
    public async Task UseChatStorage_AzureStorage_ReminderIsStoredInOrleansAzureTableAndFoundAfterRestart()
    {
        var key = TestData.NewKey();
        using (var silo = BuildSilo())
        {
            await silo.StartAsync();
            Assert.Equal("AzureBasedReminderTable", silo.Services.GetRequiredService<IReminderTable>().GetType().Name);
            await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IAzureProfileProbeGrain>(key).RegisterReminderAsync("tick");
            await silo.StopAsync();
        }

        // The row is in the configured table, written by Orleans' provider.
        var rows = new List<TableEntity>();
        await foreach (var row in AzuriteTestStorage.Table(_reminders).QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        var stored = Assert.Single(rows);
        Assert.Equal("tick", stored.GetString("ReminderName"));
        Assert.Contains(key, stored.GetString("GrainReference"), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(1).ToString(), stored.GetString("Period"));

        using var restarted = BuildSilo();
        await restarted.StartAsync();
        var reminder = await restarted.Services.GetRequiredService<IReminderTable>().ReadRow(GrainId.Create("azure-profile-probe", key), "tick");
        Assert.NotNull(reminder);
        Assert.Equal(TimeSpan.FromHours(1), reminder.Period);
        await restarted.StopAsync();
    }

    [AzuriteFact]
    public async Task UseChatStorage_AzureStorage_MessageLogIsOursOnTheConfiguredTable()
    {
        using var silo = BuildSilo();
        await silo.StartAsync();
        var log = Assert.IsType<AzureTableMessageLog>(silo.Services.GetRequiredService<IMessageLog>());
        Assert.Equal(_messages, log.TableName);

        var logId = TestData.NewKey();
        var entry = new LogEntry(logId, 1, TestData.NewKey(), "client-1", "alice", DateTimeOffset.UnixEpoch, """{"text":"hi"}""");
        Assert.Equal(entry, await log.AppendAsync(entry));
        await silo.StopAsync();

        var row = await AzuriteTestStorage.Table(_messages).GetEntityAsync<TableEntity>(logId, "m:0000000000000000001");
        Assert.Equal(entry.EntryId, row.Value.GetString("EntryId"));
    }

    [AzuriteFact]
    public async Task UseChatStorage_AzureStorage_RosterTableIsCreatedAtStartWithARowPerConversation()
    {
        using var silo = BuildSilo();
        await silo.StartAsync();
        var roster = Assert.IsType<AzureTableRosterStore>(silo.Services.GetRequiredService<IRosterStore>());
        Assert.Equal(_rosters, roster.TableName);

        // Created by the start, before any roster call.
        var tables = new List<string>();
        await foreach (var table in new TableServiceClient(AzuriteTestStorage.ConnectionString).QueryAsync(TableServiceClient.CreateQueryFilter($"TableName eq {_rosters}")))
        {
            tables.Add(table.Name);
        }

        Assert.Equal([_rosters], tables);

        var userId = TestData.NewKey();
        await roster.WriteAsync(userId, [new RosterRow("grp:o1:a/b", 3, """{"name":"a"}""")]);
        await silo.StopAsync();

        // The user is the partition, the conversation (its '/' escaped) the row.
        var row = (await AzuriteTestStorage.Table(_rosters).GetEntityAsync<TableEntity>(userId, "grp:o1:a%2Fb")).Value;
        Assert.Equal(3L, row["Revision"]);
        Assert.Equal("""{"name":"a"}""", row.GetString("Payload"));
    }
}
