using Orleans.Chat.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Chat.Runtime.Storage;
using Orleans.Chat.Runtime.Tests.Grains;
using Orleans.Chat.Runtime.Tests.Infrastructure;

namespace Orleans.Chat.Runtime.Tests;

public sealed class StorageTests
{
    [Fact]
    public async Task PersistentState_DuplicateActivationsOnTwoSilos_StaleWriteThrowsAndIsNotApplied()
    {
        var storage = new InMemoryGrainStorage();
        await using var silo1 = await TestSilo.StartAsync(storage: storage);
        await using var silo2 = await TestSilo.StartAsync(storage: storage);
        var key = Guid.NewGuid().ToString();
        var first = silo1.GrainFactory.GetGrain<ICounterGrain>(key);
        var duplicate = silo2.GrainFactory.GetGrain<ICounterGrain>(key);
        await first.GetStoredAsync();
        await duplicate.GetStoredAsync();

        await first.SaveAsync(1);
        var error = await Assert.ThrowsAsync<InconsistentStateException>(async () => await duplicate.SaveAsync(2));

        Assert.Contains("ETag", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, storage.Peek<CounterState>("counter", new GrainId("Counter", key))!.Value);
    }

    [Fact]
    public async Task PersistentState_WriteThenRead_KeepsEtagCurrent()
    {
        var storage = new InMemoryGrainStorage();
        var grainId = new GrainId("Counter", Guid.NewGuid().ToString());
        var state = new PersistentState<CounterState>("counter", grainId, storage);

        await state.ReadStateAsync();
        Assert.False(state.RecordExists);
        Assert.Null(state.Etag);
        state.State.Value = 5;
        await state.WriteStateAsync();
        var etag = state.Etag;
        state.State.Value = 6;
        await state.WriteStateAsync();

        Assert.NotNull(etag);
        Assert.NotEqual(etag, state.Etag);
        Assert.True(state.RecordExists);
        var reader = new PersistentState<CounterState>("counter", grainId, storage);
        await reader.ReadStateAsync();
        Assert.Equal(6, reader.State.Value);
        Assert.Equal(state.Etag, reader.Etag);
    }

    [Fact]
    public async Task PersistentState_StaleCopyClears_ThrowsInconsistentState()
    {
        var storage = new InMemoryGrainStorage();
        var grainId = new GrainId("Counter", Guid.NewGuid().ToString());
        var a = new PersistentState<CounterState>("counter", grainId, storage);
        var b = new PersistentState<CounterState>("counter", grainId, storage);
        await a.ReadStateAsync();
        await b.ReadStateAsync();
        await a.WriteStateAsync();

        await Assert.ThrowsAsync<InconsistentStateException>(() => b.ClearStateAsync());
        await a.ClearStateAsync();

        Assert.False(a.RecordExists);
        Assert.Equal(0, a.State.Value);
    }

    [Fact]
    public async Task PersistentState_NamedStorage_UsesKeyedStorageAndClears()
    {
        var archive = new InMemoryGrainStorage();
        var main = new InMemoryGrainStorage();
        await using var silo = await TestSilo.StartAsync(services => services.AddKeyedSingleton<IGrainStorage>("archive", archive), storage: main);
        var key = Guid.NewGuid().ToString();
        var grain = silo.GrainFactory.GetGrain<IKeyedStateGrain>(key);

        await grain.SaveAsync(3);
        Assert.Equal((3, true), await grain.GetAsync());
        Assert.Equal(3, archive.Peek<CounterState>("profile", new GrainId("KeyedState", key))!.Value);
        Assert.Equal(0, main.WriteCount);

        await grain.ClearAsync();
        Assert.Equal((0, false), await grain.GetAsync());
    }

    [Fact]
    public async Task PersistentState_NamedStorageMissing_CallFailsWithClearMessage()
    {
        await using var silo = await TestSilo.StartAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await silo.GrainFactory.GetGrain<IKeyedStateGrain>("k").GetAsync());

        Assert.Contains("archive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonGrainStateSerializer_RegisteredResolver_RoundTripsWithIt()
    {
        await using var silo = await TestSilo.StartAsync(services =>
            services.AddSilo(s => s.AddJsonTypeInfoResolver(TestJsonContext.Default)));
        var serializer = (JsonGrainStateSerializer)silo.Services.GetRequiredService<IGrainStateSerializer>();

        var bytes = serializer.Serialize(new CounterState { Value = 9 });

        Assert.Equal("{\"value\":9}", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(9, serializer.Deserialize<CounterState>(bytes).Value);
        Assert.Same(TestJsonContext.Default, serializer.Options.TypeInfoResolverChain[0]);
    }
}
