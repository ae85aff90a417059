using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Chat.Persistence.Tests.Contract;

/// <summary>
/// The behaviour our Orleans grain storage providers must have (ETags are row versions checked inside the commit; a
/// conflict is Orleans' <see cref="InconsistentStateException"/>, so Orleans deactivates the stale activation). Each store
/// gets a subclass that supplies its provider through a class fixture; every test uses fresh grain ids.
/// </summary>
public abstract class GrainStorageContractTests(IGrainStorageFixture fixture)
{
    private const string StateName = "profile";

    protected IGrainStorage GrainStorage => fixture.GrainStorage;

    protected static GrainId NewGrainId(string type = "test") => GrainId.Create(type, TestData.NewKey());

    private static GrainState<TestState> State(TestState state, string? eTag = null, bool recordExists = false) =>
        new(state, eTag) { RecordExists = recordExists };

    private async Task<GrainState<TestState>> ReadAsync(string stateName, GrainId grainId)
    {
        var read = new GrainState<TestState>(new TestState());
        await GrainStorage.ReadStateAsync(stateName, grainId, read);
        return read;
    }

    [Fact]
    public async Task ReadStateAsync_MissingRecord_RecordDoesNotExistAndStateIsUntouched()
    {
        var original = new TestState("untouched", 7, []);
        var state = State(original, "stale", recordExists: true);

        await GrainStorage.ReadStateAsync(StateName, NewGrainId(), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Same(original, state.State);
    }

    [Fact]
    public async Task WriteStateAsync_NewRecord_ReadReturnsStateAndETag()
    {
        var grainId = NewGrainId();
        var written = State(new TestState("Ada", 1, ["a", "b"]));

        await GrainStorage.WriteStateAsync(StateName, grainId, written);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        var read = await ReadAsync(StateName, grainId);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("Ada", read.State?.Name);
        Assert.Equal(["a", "b"], read.State?.Tags);
    }

    [Fact]
    public async Task WriteStateAsync_WithCurrentETag_UpdatesStateAndChangesETag()
    {
        var grainId = NewGrainId();
        var state = State(new TestState("v1", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, state);
        var firstETag = state.ETag;

        state.State = new TestState("v2", 2, []);
        await GrainStorage.WriteStateAsync(StateName, grainId, state);

        Assert.NotEqual(firstETag, state.ETag);
        var read = await ReadAsync(StateName, grainId);
        Assert.Equal("v2", read.State?.Name);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_WithStaleETag_ThrowsAndChangesNothing()
    {
        var grainId = NewGrainId();
        var first = State(new TestState("v1", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, first);
        var staleETag = first.ETag;
        var stale = State(new TestState("stale", 0, []), staleETag, recordExists: true);
        first.State = new TestState("v2", 2, []);
        await GrainStorage.WriteStateAsync(StateName, grainId, first);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.WriteStateAsync(StateName, grainId, stale));

        // Orleans' exception names both ETags, the stored one and the one the write had; the loser's ETag is left as it was.
        Assert.Equal((first.ETag, staleETag), (conflict.StoredEtag, conflict.CurrentEtag));
        Assert.Equal(staleETag, stale.ETag);
        var read = await ReadAsync(StateName, grainId);
        Assert.Equal("v2", read.State?.Name);
        Assert.Equal(first.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_NullETagWhenRecordExists_Throws()
    {
        var grainId = NewGrainId();
        var first = State(new TestState("first", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, first);

        var duplicate = State(new TestState("second", 2, []));
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.WriteStateAsync(StateName, grainId, duplicate));

        Assert.Equal((first.ETag, (string?)null), (conflict.StoredEtag, conflict.CurrentEtag));
        Assert.Null(duplicate.ETag);

        var read = await ReadAsync(StateName, grainId);
        Assert.Equal("first", read.State?.Name);
    }

    [Fact]
    public async Task WriteStateAsync_UnknownETagForMissingRecord_Throws()
    {
        var state = State(new TestState("x", 1, []), "42");

        await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.WriteStateAsync(StateName, NewGrainId(), state));
    }

    [Fact]
    public async Task WriteStateAsync_TwoWritersRaceFromSameETag_ExactlyOneWins()
    {
        for (var round = 0; round < 20; round++)
        {
            var grainId = NewGrainId();
            var initial = State(new TestState("initial", 0, []));
            await GrainStorage.WriteStateAsync(StateName, grainId, initial);
            var writers = Enumerable.Range(1, 2)
                .Select(i => State(new TestState($"writer-{i}", i, []), initial.ETag, recordExists: true))
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
            var read = await ReadAsync(StateName, grainId);
            Assert.Equal(winner.State?.Name, read.State?.Name);
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
                await GrainStorage.WriteStateAsync(StateName, grainId, State(new TestState($"w{i}", i, [])));
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
        var user = GrainId.Create("user", key);
        var device = GrainId.Create("device", key);
        await GrainStorage.WriteStateAsync("a", user, State(new TestState("user-a", 1, [])));
        await GrainStorage.WriteStateAsync("b", user, State(new TestState("user-b", 2, [])));
        await GrainStorage.WriteStateAsync("a", device, State(new TestState("device-a", 3, [])));

        var read = await ReadAsync("a", user);
        Assert.Equal("user-a", read.State?.Name);
        await GrainStorage.ReadStateAsync("b", user, read);
        Assert.Equal("user-b", read.State?.Name);
        await GrainStorage.ReadStateAsync("a", device, read);
        Assert.Equal("device-a", read.State?.Name);
    }

    [Fact]
    public async Task WriteStateAsync_TypeAndKeyWithSeparatorsAndUnicode_AreKeptApart()
    {
        // Grain type and key are stored apart: "a/b" + "c" and "a" + "b/c" are different grains.
        var suffix = TestData.NewKey();
        var first = GrainId.Create("a/b", "c" + suffix);
        var second = GrainId.Create("a", "b/c" + suffix);
        var unicode = GrainId.Create("\U0001F4ACroom", "cl\u00E9/\U0001F511+" + suffix);
        await GrainStorage.WriteStateAsync(StateName, first, State(new TestState("first", 1, [])));
        await GrainStorage.WriteStateAsync(StateName, second, State(new TestState("second", 2, [])));
        await GrainStorage.WriteStateAsync(StateName, unicode, State(new TestState("unicode", 3, [])));

        Assert.Equal("first", (await ReadAsync(StateName, first)).State?.Name);
        Assert.Equal("second", (await ReadAsync(StateName, second)).State?.Name);
        Assert.Equal("unicode", (await ReadAsync(StateName, unicode)).State?.Name);
    }

    [Fact]
    public async Task ClearStateAsync_WithCurrentETag_RemovesRecord()
    {
        var grainId = NewGrainId();
        var state = State(new TestState("doomed", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, state);

        await GrainStorage.ClearStateAsync(StateName, grainId, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        var read = await ReadAsync(StateName, grainId);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task ClearStateAsync_WithStaleETag_ThrowsAndKeepsRecord()
    {
        var grainId = NewGrainId();
        var state = State(new TestState("v1", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, state);
        var stale = State(new TestState(), state.ETag, recordExists: true);
        state.State = new TestState("v2", 2, []);
        await GrainStorage.WriteStateAsync(StateName, grainId, state);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.ClearStateAsync(StateName, grainId, stale));

        Assert.Equal((state.ETag, stale.ETag), (conflict.StoredEtag, conflict.CurrentEtag));
        var read = await ReadAsync(StateName, grainId);
        Assert.True(read.RecordExists);
        Assert.Equal("v2", read.State?.Name);
    }

    [Fact]
    public async Task ClearStateAsync_NullETagWhenRecordExists_Throws()
    {
        var grainId = NewGrainId();
        await GrainStorage.WriteStateAsync(StateName, grainId, State(new TestState("kept", 1, [])));

        await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.ClearStateAsync(StateName, grainId, State(new TestState())));

        var read = await ReadAsync(StateName, grainId);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task ClearStateAsync_MissingRecordWithNullETag_Succeeds()
    {
        var state = State(new TestState());

        await GrainStorage.ClearStateAsync(StateName, NewGrainId(), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_AfterClearWithNullETag_CreatesRecordAgain()
    {
        var grainId = NewGrainId();
        var state = State(new TestState("v1", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, state);
        await GrainStorage.ClearStateAsync(StateName, grainId, state);

        state.State = new TestState("reborn", 2, []);
        await GrainStorage.WriteStateAsync(StateName, grainId, state);

        var read = await ReadAsync(StateName, grainId);
        Assert.Equal("reborn", read.State?.Name);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_ETagFromBeforeClearAndRecreate_Throws()
    {
        var grainId = NewGrainId();
        var state = State(new TestState("v1", 1, []));
        await GrainStorage.WriteStateAsync(StateName, grainId, state);
        var stale = State(new TestState("stale", 0, []), state.ETag, recordExists: true);
        await GrainStorage.ClearStateAsync(StateName, grainId, state);
        await GrainStorage.WriteStateAsync(StateName, grainId, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage.WriteStateAsync(StateName, grainId, stale));
    }

    [Fact]
    public async Task WriteStateAsync_LargeUnicodeState_RoundTrips()
    {
        var grainId = NewGrainId();
        var text = TestData.LargeUnicode();
        await GrainStorage.WriteStateAsync(StateName, grainId, State(new TestState(text, 1, ["tag 🏷️ ✓"])));

        var read = await ReadAsync(StateName, grainId);

        Assert.Equal(text, read.State?.Name);
        Assert.Equal("tag 🏷️ ✓", read.State?.Tags[0]);
    }
}
