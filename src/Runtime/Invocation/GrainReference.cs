using System.ComponentModel;
using Orleans.Chat.Runtime.Catalog;
using Orleans.Chat.Runtime.Messaging;
using Orleans.Chat.Runtime.Observers;

namespace Orleans.Chat.Runtime.Invocation;

/// <summary>
/// Base class of the generated grain and observer references. A reference is a grain id plus the runtime that
/// delivers calls to it; it caches the activation it last reached so a call does not look it up again.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class GrainReference : IAddressable, IEquatable<GrainReference>
{
    private readonly Dispatcher _dispatcher;

    protected GrainReference(GrainReferenceArgs args)
    {
        _dispatcher = args.Dispatcher ?? throw new ArgumentException("Grain references are made by the runtime.", nameof(args));
        GrainId = args.GrainId;
        Observer = args.Observer;
    }

    public GrainId GrainId { get; }

    internal ObserverTarget? Observer { get; }

    /// <summary>The activation this reference reached last; re-resolved when it is no longer valid.</summary>
    internal ActivationData? CachedActivation { get; set; }

    protected ValueTask<TResult> InvokeAsync<TRequest, TResult>(TRequest request)
        where TRequest : struct, IInvokable<TResult> =>
        _dispatcher.InvokeAsync<TRequest, TResult>(this, ref request);

    protected ValueTask InvokeVoidAsync<TRequest>(TRequest request)
        where TRequest : struct, IInvokable<NoResult> =>
        _dispatcher.InvokeVoidAsync(this, ref request);

    public bool Equals(GrainReference? other) => other is not null && GrainId.Equals(other.GrainId);

    public override bool Equals(object? obj) => obj is GrainReference other && Equals(other);

    public override int GetHashCode() => GrainId.GetHashCode();

    public override string ToString() => GrainId.ToString();
}

/// <summary>What the runtime hands a generated reference's constructor. Opaque to generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct GrainReferenceArgs
{
    internal GrainReferenceArgs(Dispatcher dispatcher, GrainId grainId, ObserverTarget? observer)
    {
        Dispatcher = dispatcher;
        GrainId = grainId;
        Observer = observer;
    }

    internal Dispatcher Dispatcher { get; }

    internal GrainId GrainId { get; }

    internal ObserverTarget? Observer { get; }
}
