namespace Orleans.Chat.Runtime;

/// <summary>A persistent reminder of one grain; it survives deactivation and restarts.</summary>
public interface IGrainReminder
{
    string ReminderName { get; }
}

/// <summary>What a reminder tick knows about its schedule.</summary>
public readonly record struct TickStatus(DateTimeOffset FirstTickTime, TimeSpan Period, DateTimeOffset CurrentTickTime);
