namespace Orleans.Chat.Runtime;

/// <summary>Gets references to grains and turns local objects into observer references.</summary>
public interface IGrainFactory
{
    /// <summary>A reference to the grain of this interface and key. It always exists: the first call activates it.</summary>
    TGrainInterface GetGrain<TGrainInterface>(string primaryKey) where TGrainInterface : IGrainWithStringKey;

    /// <summary>A reference through which grains can call <paramref name="obj"/>; calls are delivered one at a time.</summary>
    TGrainObserverInterface CreateObjectReference<TGrainObserverInterface>(IGrainObserver obj)
        where TGrainObserverInterface : IGrainObserver;

    /// <summary>Stops delivering calls to the object behind a reference made by <see cref="CreateObjectReference{T}"/>.</summary>
    void DeleteObjectReference<TGrainObserverInterface>(IGrainObserver obj) where TGrainObserverInterface : IGrainObserver;
}
