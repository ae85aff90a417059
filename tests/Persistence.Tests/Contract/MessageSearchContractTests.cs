namespace Orleans.Chat.Persistence.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="IMessageSearch"/> that <see cref="IMessageSearch.IsSupported"/> must have. Texts and
/// terms are given folded, as the grains give them. Every test uses fresh log ids, so the tests of one class share a store.
/// </summary>
public abstract class MessageSearchContractTests(IMessageSearchFixture fixture)
{
    protected IMessageSearch Search => fixture.Search;

    protected static string NewLogId() => "o1:" + TestData.NewKey();

    private async Task<(string LogId, long Sequence)[]> FindAsync(IReadOnlyCollection<string> logIds, params string[] terms) =>
        [.. (await Search.SearchAsync(logIds, terms, 0, 50)).Select(h => (h.LogId, h.Sequence))];

    [Fact]
    public async Task SearchAsync_WordPrefix_FindsTheEntry()
    {
        var log = NewLogId();
        await Search.IndexAsync(log, 1, "the quarterly report is ready");
        await Search.IndexAsync(log, 2, "lunch at noon");

        Assert.Equal([(log, 1L)], await FindAsync([log], "quart"));
        Assert.Equal([(log, 1L)], await FindAsync([log], "report"));
    }

    [Fact]
    public async Task SearchAsync_SeveralTerms_OnlyEntriesHoldingEvery()
    {
        var log = NewLogId();
        await Search.IndexAsync(log, 1, "budget meeting monday");
        await Search.IndexAsync(log, 2, "budget draft");
        await Search.IndexAsync(log, 3, "meeting notes");

        Assert.Equal([(log, 1L)], await FindAsync([log], "budget", "meet"));
    }

    [Fact]
    public async Task SearchAsync_OtherLogs_AreNotSearched()
    {
        var mine = NewLogId();
        var other = NewLogId();
        await Search.IndexAsync(mine, 1, "secret plan");
        await Search.IndexAsync(other, 1, "secret plan");

        Assert.Equal([(mine, 1L)], await FindAsync([mine], "secret"));
        Assert.Empty(await FindAsync([NewLogId()], "secret"));
    }

    [Fact]
    public async Task IndexAsync_Again_ReplacesTheText()
    {
        var log = NewLogId();
        await Search.IndexAsync(log, 1, "original words");
        await Search.IndexAsync(log, 1, "edited text");

        Assert.Empty(await FindAsync([log], "original"));
        Assert.Equal([(log, 1L)], await FindAsync([log], "edited"));
    }

    [Fact]
    public async Task RemoveAsync_ForgetsTheEntry_AndAnUnknownOneIsNothing()
    {
        var log = NewLogId();
        await Search.IndexAsync(log, 1, "recall me");
        await Search.IndexAsync(log, 2, "keep me");

        await Search.RemoveAsync(log, 1);
        await Search.RemoveAsync(log, 9);

        Assert.Equal([(log, 2L)], await FindAsync([log], "me"));
    }

    [Fact]
    public async Task SearchAsync_MoreOccurrences_RankFirst()
    {
        var log = NewLogId();
        await Search.IndexAsync(log, 1, "apple banana");
        await Search.IndexAsync(log, 2, "apple apple apple");

        var hits = await Search.SearchAsync([log], ["apple"], 0, 10);

        Assert.Equal([2L, 1L], hits.Select(h => h.Sequence));
        Assert.True(hits[0].Rank > hits[1].Rank);
    }

    [Fact]
    public async Task SearchAsync_Pages_AreDisjointAndInOrder_NewestFirstOnEqualRank()
    {
        var log = NewLogId();
        for (var i = 1; i <= 5; i++)
        {
            await Search.IndexAsync(log, i, "same words here");
        }

        var first = await Search.SearchAsync([log], ["same"], 0, 2);
        var second = await Search.SearchAsync([log], ["same"], 2, 2);
        var last = await Search.SearchAsync([log], ["same"], 4, 2);

        Assert.Equal([5L, 4L, 3L, 2L, 1L], first.Concat(second).Concat(last).Select(h => h.Sequence));
    }

    [Theory]
    [InlineData("and")]
    [InlineData("or")]
    [InlineData("not")]
    [InlineData("near")]
    public async Task SearchAsync_OperatorWords_AreOrdinaryWords(string word)
    {
        var log = NewLogId();
        await Search.IndexAsync(log, 1, $"this {word} that");
        await Search.IndexAsync(log, 2, "something else");

        Assert.Equal([(log, 1L)], await FindAsync([log], word, "that"));
    }
}
