using System.Text.Json.Serialization;

namespace Orleans.Chat.Runtime.Tests.Grains;

public interface IKeyedStateGrain : IGrainWithStringKey
{
    ValueTask SaveAsync(int value);

    ValueTask ClearAsync();

    ValueTask<(int Value, bool Exists)> GetAsync();
}

public sealed class KeyedStateGrain([PersistentState("profile", "archive")] IPersistentState<CounterState> state) : Grain, IKeyedStateGrain
{
    public async ValueTask SaveAsync(int value)
    {
        state.State = new CounterState { Value = value };
        await state.WriteStateAsync();
    }

    public async ValueTask ClearAsync() => await state.ClearStateAsync();

    public ValueTask<(int Value, bool Exists)> GetAsync() => new((state.State.Value, state.RecordExists));
}

[JsonSerializable(typeof(CounterState))]
public sealed partial class TestJsonContext : JsonSerializerContext;
