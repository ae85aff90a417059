namespace Orleans.Chat.Runtime;

/// <summary>A timer owned by one activation. Its callbacks run as turns of that activation; disposing stops it.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Changes when the timer fires next and how often after that.</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}

/// <summary>How a grain timer behaves.</summary>
public readonly record struct GrainTimerCreationOptions(TimeSpan DueTime, TimeSpan Period)
{
    /// <summary>When true the callback may interleave with requests (as <see cref="AlwaysInterleaveAttribute"/>).</summary>
    public bool Interleave { get; init; }

    /// <summary>When false (the default) a tick does not extend the activation's idle age.</summary>
    public bool KeepAlive { get; init; }
}
