using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests.Grains;

public interface IReminderGrain : IGrainWithStringKey, IRemindable
{
    Task StartAsync(string name, int periodMs);

    Task StopAsync(string name);

    Task<bool> ExistsAsync(string name);
}

public sealed class ReminderGrain(Probe probe) : Grain, IReminderGrain
{
    public Task StartAsync(string name, int periodMs) =>
        RegisterOrUpdateReminder(name, TimeSpan.FromMilliseconds(periodMs), TimeSpan.FromMilliseconds(periodMs));

    public async Task StopAsync(string name)
    {
        var reminder = await GetReminder(name);
        if (reminder is not null)
        {
            await UnregisterReminder(reminder);
        }
    }

    public async Task<bool> ExistsAsync(string name) => await GetReminder(name) is not null;

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        probe.Record($"reminder:{GetPrimaryKeyString()}:{reminderName}");
        return Task.CompletedTask;
    }
}
