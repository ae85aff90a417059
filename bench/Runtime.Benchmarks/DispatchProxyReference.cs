using System.Collections.Concurrent;
using System.Reflection;
using Orleans.Chat.Runtime.Invocation;
using Orleans.Chat.Runtime.Messaging;

namespace Orleans.Chat.Runtime.Benchmarks;

/// <summary>
/// The alternative the issue asks to measure: a <see cref="DispatchProxy"/> reference over the same dispatch as
/// the generated one. Arguments travel in an object[], the method is called by reflection and the result is
/// boxed. Kept in the benchmark only.
/// </summary>
public class DispatchProxyReference : DispatchProxy
{
    private static readonly ConcurrentDictionary<MethodInfo, ProxyInvoker> Invokers = new();

    private ProxyGrainReference? _reference;

    internal static T Create<T>(Dispatcher dispatcher, GrainId grainId)
        where T : class
    {
        var proxy = Create<T, DispatchProxyReference>();
        ((DispatchProxyReference)(object)proxy)._reference = new ProxyGrainReference(new GrainReferenceArgs(dispatcher, grainId, null));
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var invoker = Invokers.GetOrAdd(targetMethod!, static m =>
            (ProxyInvoker)Activator.CreateInstance(typeof(ProxyInvoker<>).MakeGenericType(m.ReturnType.GetGenericArguments()[0]), m)!);
        return invoker.Invoke(_reference!, args ?? []);
    }

    private abstract class ProxyInvoker
    {
        public abstract object Invoke(ProxyGrainReference reference, object?[] args);
    }

    private sealed class ProxyInvoker<TResult>(MethodInfo method) : ProxyInvoker
    {
        // DispatchProxy can only return object: the ValueTask is boxed once and consumed once by the caller.
#pragma warning disable CA2012
        public override object Invoke(ProxyGrainReference reference, object?[] args) =>
            reference.Call<ReflectionInvokable<TResult>, TResult>(new ReflectionInvokable<TResult>(method, args));
#pragma warning restore CA2012
    }

    private readonly struct ReflectionInvokable<TResult>(MethodInfo method, object?[] args) : IInvokable<TResult>
    {
        public string InterfaceName => method.DeclaringType!.FullName!;

        public string MethodName => method.Name;

        public InvokeFlags Flags => InvokeFlags.None;

        public ValueTask<TResult> Invoke(object target) => (ValueTask<TResult>)method.Invoke(target, args)!;
    }

    private sealed class ProxyGrainReference(GrainReferenceArgs args) : GrainReference(args)
    {
        public ValueTask<TResult> Call<TRequest, TResult>(TRequest request)
            where TRequest : struct, IInvokable<TResult> => InvokeAsync<TRequest, TResult>(request);
    }
}
