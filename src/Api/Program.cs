using Orleans.Chat.Api;
using Orleans.Chat.Silo;

var builder = WebApplication.CreateBuilder(args);

// Embedded (default): this process hosts the silo (grains + the SQLite store under ./data) next to the API.
// Client (Api:Mode=Client): no grains here; the API calls the silos of the cluster that Cluster:* names.
if (string.Equals(builder.Configuration["Api:Mode"], "Client", StringComparison.OrdinalIgnoreCase))
{
    builder.AddChatClusterClient();
}
else
{
    builder.AddChatSilo();
}

builder.AddChatApi();

var app = builder.Build();
app.UseChatApi();
app.Run();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
