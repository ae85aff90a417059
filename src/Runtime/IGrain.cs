namespace Orleans.Chat.Runtime;

/// <summary>Marker for anything a grain reference can address: grains and observers.</summary>
public interface IAddressable;

/// <summary>Marker for grain interfaces. Every method returns <see cref="Task"/> or <see cref="ValueTask"/>.</summary>
public interface IGrain : IAddressable;

/// <summary>A grain whose identity is a string key, as in Orleans.</summary>
public interface IGrainWithStringKey : IGrain;

/// <summary>
/// A client-side object that grains notify one way. Observer methods return <see cref="ValueTask"/> or
/// <see cref="Task"/>; the runtime delivers them without making the grain wait for the observer.
/// </summary>
public interface IGrainObserver : IAddressable;

/// <summary>Implemented by grains that register persistent reminders.</summary>
public interface IRemindable : IGrain
{
    Task ReceiveReminder(string reminderName, TickStatus status);
}
