using System.ComponentModel;

namespace Orleans.Chat.Runtime.Invocation;

/// <summary>Adapters between the four method shapes (Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt;) and the runtime's one shape.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class InvokableHelpers
{
    public static ValueTask<NoResult> FromValueTask(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
            return default;
        }

        return AwaitValueTask(task);
    }

    public static ValueTask<NoResult> FromTask(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return default;
        }

        return AwaitTask(task);
    }

    public static ValueTask<T> FromTask<T>(Task<T> task) => new(task);

    public static ValueTask ToValueTask(ValueTask<NoResult> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
            return default;
        }

        return new ValueTask(task.AsTask());
    }

    private static async ValueTask<NoResult> AwaitValueTask(ValueTask task)
    {
        await task;
        return default;
    }

    private static async ValueTask<NoResult> AwaitTask(Task task)
    {
        await task;
        return default;
    }
}
