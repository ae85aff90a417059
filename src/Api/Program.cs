using Orleans.Chat.Api;
using Orleans.Chat.Silo;

var builder = WebApplication.CreateBuilder(args);

// Embedded mode: this process hosts the silo (grains + the SQLite store under ./data) next to the API.
builder.AddChatSilo();
builder.AddChatApi();

var app = builder.Build();
app.UseChatApi();
app.Run();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
