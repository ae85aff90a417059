using System.ComponentModel;

namespace Orleans.Chat.Runtime.Invocation;

/// <summary>
/// One grain or observer method call as data: the generated struct holds the arguments as fields, so the call
/// can be queued, and in a cluster serialized. Used by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IInvokable<TResult>
{
    /// <summary>The interface that declares the method, for errors and logs.</summary>
    string InterfaceName { get; }

    string MethodName { get; }

    InvokeFlags Flags { get; }

    /// <summary>Calls the method on the grain or observer object.</summary>
    ValueTask<TResult> Invoke(object target);
}

/// <summary>What the runtime needs to know about a method when it schedules a call to it.</summary>
[Flags]
[EditorBrowsable(EditorBrowsableState.Never)]
public enum InvokeFlags
{
    None = 0,

    /// <summary>[ReadOnly]: may interleave with other read-only calls, never with a writer.</summary>
    ReadOnly = 1,

    /// <summary>[AlwaysInterleave]: may interleave with any call.</summary>
    AlwaysInterleave = 2,

    /// <summary>[OneWay]: the caller does not wait for the method.</summary>
    OneWay = 4,

    /// <summary>The method returns no value (Task or ValueTask).</summary>
    Void = 8,
}

/// <summary>The result of a method that returns no value.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct NoResult;
