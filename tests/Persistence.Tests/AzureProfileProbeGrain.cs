using Orleans.Runtime;

namespace Orleans.Chat.Persistence.Tests;

/// <summary>A grain for the Azure Storage silo tests: state on the default provider, and a reminder.</summary>
public interface IAzureProfileProbeGrain : IGrainWithStringKey
{
    Task SetAsync(string name, int count, string[] tags);

    /// <summary>The state as "name/count/tag,tag", or "(none)" when no record was read.</summary>
    Task<string> DescribeAsync();

    Task RegisterReminderAsync(string name);
}

[GrainType("azure-profile-probe")]
public sealed class AzureProfileProbeGrain([PersistentState("probe")] IPersistentState<TestState> state) : Grain, IAzureProfileProbeGrain, IRemindable
{
    public const string StateName = "probe";

    public async Task SetAsync(string name, int count, string[] tags)
    {
        state.State = new TestState(name, count, tags);
        await state.WriteStateAsync();
    }

    public Task<string> DescribeAsync() =>
        Task.FromResult(state.RecordExists ? $"{state.State.Name}/{state.State.Count}/{string.Join(',', state.State.Tags)}" : "(none)");

    public async Task RegisterReminderAsync(string name) =>
        await this.RegisterOrUpdateReminder(name, TimeSpan.FromHours(1), TimeSpan.FromHours(1));

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
