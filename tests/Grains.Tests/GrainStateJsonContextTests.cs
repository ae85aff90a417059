using System.Text.Json;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Tests;

public sealed class GrainStateJsonContextTests
{
    [Fact]
    public void GrainStateRecords_AreAllInGrainStateJsonContext()
    {
        var states = typeof(GrainStateJsonContext).Assembly.GetTypes()
            .Where(t => t.IsClass && t.IsPublic && t.Name.EndsWith("State", StringComparison.Ordinal)
                && t.Namespace?.StartsWith("Orleans.Chat.", StringComparison.Ordinal) == true) // not Orleans' generated codecs
            .ToList();

        Assert.Contains(typeof(UserState), states);
        Assert.Contains(typeof(ConversationState), states);
        foreach (var state in states)
        {
            Assert.True(GrainStateJsonContext.Default.GetTypeInfo(state) is not null, $"{state} is not in GrainStateJsonContext");
        }
    }

    [Fact]
    public void UserState_RoundTrip_KeepsSessionsAndRoster()
    {
        var view = new ConversationView("o:a:b", "o", "b", null, 3, 2, 1, 0, 0, DateTimeOffset.UnixEpoch, 4);
        var state = new UserState { Created = true, DisplayName = "A", PasswordHash = "h", Organizations = ["o"] };
        state.Sessions["s1"] = new UserSessionState { Udid = "d1", CreatedAt = DateTimeOffset.UnixEpoch };
        state.Conversations[view.Id] = view;

        var json = JsonSerializer.Serialize(state, GrainStateJsonContext.Default.UserState);
        var back = JsonSerializer.Deserialize(json, GrainStateJsonContext.Default.UserState)!;

        Assert.Equal("d1", back.Sessions["s1"].Udid);
        Assert.Equal(view, back.Conversations[view.Id]);
        Assert.Equal(["o"], back.Organizations);
    }
}
