using Orleans.Chat.Runtime.Storage;

namespace Orleans.Chat.Persistence.Tests.Contract;

public abstract partial class StorageContractTests
{
    private const string StateName = "profile";

    [Fact]
    public async Task ReadStateAsync_MissingRecord_RecordDoesNotExistAndStateIsUntouched()
    {
        var original = new TestState("untouched", 7, []);
        var state = new TestGrainState<TestState>(original) { ETag = "stale", RecordExists = true };

        await GrainStorage.ReadStateAsync(StateName, NewGrainId(), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Same(original, state.State);
    }

    [Fact]
    public async Task WriteStateAsync_NewRecord_ReadReturnsStateAndETag()
    {
        var grainId = NewGrainId();
        var written = new TestGrainState<TestState>(new TestState("Ada", 1, ["a", "b"]));

        await GrainStorage.WriteStateAsync(StateName, grainId, written);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        var read = new TestGrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync(StateName, grainId, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("Ada", read.State.Name);
        Assert.Equal(["a", "b"], read.State.Tags);
    }

    [Fact]
    public async Task WriteStateAsync_WithCurrentETag_UpdatesStateAndChangesETag()
    {
        var grainId = NewGrainId();
        var state = new TestGrainState<TestState>(new TestState("v1", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, state);
        var firstETag = state.ETag;

        state.State = new TestState("v2", 2, []);
        await GrainStorage.WriteStateAsync(StateName, grainId, state);

        Assert.NotEqual(firstETag, state.ETag);
        var read = new TestGrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal("v2", read.State.Name);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_WithStaleETag_ThrowsAndChangesNothing()
    {
        var grainId = NewGrainId();
        var first = new TestGrainState<TestState>(new TestState("v1", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, first);
        var stale = new TestGrainState<TestState>(new TestState("stale", 0, [])) { ETag = first.ETag, RecordExists = true };
        first.State = new TestState("v2", 2, []);
        await GrainStorage.WriteStateAsync(StateName, grainId, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.WriteStateAsync(StateName, grainId, stale));

        var read = new TestGrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal("v2", read.State.Name);
        Assert.Equal(first.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_NullETagWhenRecordExists_Throws()
    {
        var grainId = NewGrainId();
        await GrainStorage.WriteStateAsync(StateName, grainId, new TestGrainState<TestState>(new TestState("first", 1, [])));

        var duplicate = new TestGrainState<TestState>(new TestState("second", 2, []));
        await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.WriteStateAsync(StateName, grainId, duplicate));

        var read = new TestGrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal("first", read.State.Name);
    }

    [Fact]
    public async Task WriteStateAsync_UnknownETagForMissingRecord_Throws()
    {
        var state = new TestGrainState<TestState>(new TestState("x", 1, [])) { ETag = "42" };

        await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.WriteStateAsync(StateName, NewGrainId(), state));
    }

    [Fact]
    public async Task WriteStateAsync_TwoWritersRaceFromSameETag_ExactlyOneWins()
    {
        for (var round = 0; round < 20; round++)
        {
            var grainId = NewGrainId();
            var initial = new TestGrainState<TestState>(new TestState("initial", 0, []));
            await GrainStorage.WriteStateAsync(StateName, grainId, initial);
            var writers = Enumerable.Range(1, 2)
                .Select(i => new TestGrainState<TestState>(new TestState($"writer-{i}", i, [])) { ETag = initial.ETag, RecordExists = true })
                .ToArray();

            var outcomes = await Task.WhenAll(writers.Select(async writer =>
            {
                await Task.Yield();
                try
                {
                    await GrainStorage.WriteStateAsync(StateName, grainId, writer);
                    return true;
                }
                catch (InconsistentStateException)
                {
                    return false;
                }
            }));

            Assert.Equal(1, outcomes.Count(won => won));
            var winner = writers[Array.IndexOf(outcomes, true)];
            var read = new TestGrainState<TestState>(new TestState());
            await GrainStorage.ReadStateAsync(StateName, grainId, read);
            Assert.Equal(winner.State.Name, read.State.Name);
            Assert.Equal(winner.ETag, read.ETag);
        }
    }

    [Fact]
    public async Task WriteStateAsync_TwoNewRecordsRace_ExactlyOneWins()
    {
        var grainId = NewGrainId();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            await Task.Yield();
            try
            {
                await GrainStorage.WriteStateAsync(StateName, grainId, new TestGrainState<TestState>(new TestState($"w{i}", i, [])));
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
    }

    [Fact]
    public async Task WriteStateAsync_DifferentStateNamesAndGrainTypes_AreIndependent()
    {
        var key = TestData.NewKey();
        var user = new Orleans.Chat.Runtime.GrainId("user", key);
        var device = new Orleans.Chat.Runtime.GrainId("device", key);
        await GrainStorage.WriteStateAsync("a", user, new TestGrainState<TestState>(new TestState("user-a", 1, [])));
        await GrainStorage.WriteStateAsync("b", user, new TestGrainState<TestState>(new TestState("user-b", 2, [])));
        await GrainStorage.WriteStateAsync("a", device, new TestGrainState<TestState>(new TestState("device-a", 3, [])));

        var read = new TestGrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync("a", user, read);
        Assert.Equal("user-a", read.State.Name);
        await GrainStorage.ReadStateAsync("b", user, read);
        Assert.Equal("user-b", read.State.Name);
        await GrainStorage.ReadStateAsync("a", device, read);
        Assert.Equal("device-a", read.State.Name);
    }

    [Fact]
    public async Task ClearStateAsync_WithCurrentETag_RemovesRecord()
    {
        var grainId = NewGrainId();
        var state = new TestGrainState<TestState>(new TestState("doomed", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, state);

        await GrainStorage.ClearStateAsync(StateName, grainId, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        var read = new TestGrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync(StateName, grainId, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task ClearStateAsync_WithStaleETag_ThrowsAndKeepsRecord()
    {
        var grainId = NewGrainId();
        var state = new TestGrainState<TestState>(new TestState("v1", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, state);
        var stale = new TestGrainState<TestState>(new TestState()) { ETag = state.ETag, RecordExists = true };
        state.State = new TestState("v2", 2, []);
        await GrainStorage.WriteStateAsync(StateName, grainId, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.ClearStateAsync(StateName, grainId, stale));

        var read = new TestGrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync(StateName, grainId, read);
        Assert.True(read.RecordExists);
        Assert.Equal("v2", read.State.Name);
    }

    [Fact]
    public async Task ClearStateAsync_NullETagWhenRecordExists_Throws()
    {
        var grainId = NewGrainId();
        await GrainStorage.WriteStateAsync(StateName, grainId, new TestGrainState<TestState>(new TestState("kept", 1, [])));

        await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.ClearStateAsync(StateName, grainId, new TestGrainState<TestState>(new TestState())));

        var read = new TestGrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync(StateName, grainId, read);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task ClearStateAsync_MissingRecordWithNullETag_Succeeds()
    {
        var state = new TestGrainState<TestState>(new TestState());

        await GrainStorage.ClearStateAsync(StateName, NewGrainId(), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_AfterClearWithNullETag_CreatesRecordAgain()
    {
        var grainId = NewGrainId();
        var state = new TestGrainState<TestState>(new TestState("v1", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, state);
        await GrainStorage.ClearStateAsync(StateName, grainId, state);

        state.State = new TestState("reborn", 2, []);
        await GrainStorage.WriteStateAsync(StateName, grainId, state);

        var read = new TestGrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal("reborn", read.State.Name);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_ETagFromBeforeClearAndRecreate_Throws()
    {
        var grainId = NewGrainId();
        var state = new TestGrainState<TestState>(new TestState("v1", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, state);
        var stale = new TestGrainState<TestState>(new TestState("stale", 0, [])) { ETag = state.ETag, RecordExists = true };
        await GrainStorage.ClearStateAsync(StateName, grainId, state);
        await GrainStorage.WriteStateAsync(StateName, grainId, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.WriteStateAsync(StateName, grainId, stale));
    }

    [Fact]
    public async Task WriteStateAsync_LargeUnicodeState_RoundTrips()
    {
        var grainId = NewGrainId();
        var text = TestData.LargeUnicode();
        await GrainStorage.WriteStateAsync(StateName, grainId, new TestGrainState<TestState>(new TestState(text, 1, ["tag 🏷️ ✓"])));

        var read = new TestGrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync(StateName, grainId, read);

        Assert.Equal(text, read.State.Name);
        Assert.Equal("tag 🏷️ ✓", read.State.Tags[0]);
    }
}
