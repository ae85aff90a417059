using Orleans.Chat.Api.Errors;
using Orleans.Chat.Grains.Errors;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Orleans.Storage;

namespace Orleans.Chat.Api.Tests;

/// <summary>What a silo crash throws at an API host answers 503 <c>unavailable</c> (retry), never 500; a caller's mistake is not one of them.</summary>
public sealed class ClusterUnavailableTests
{
    public static TheoryData<Exception> CrashFailures() =>
    [
        new TimeoutException("Response did not arrive on time"),
        new SiloUnavailableException("silo gone"),
        new InconsistentStateException("stale activation"),
        new ConnectionFailedException("no gateway"),
        new OperationCanceledException("Message expired before placement could complete"),
    ];

    [Theory]
    [MemberData(nameof(CrashFailures))]
    public void Is_WhatASiloCrashThrows_IsUnavailable(Exception exception) => Assert.True(ClusterUnavailable.Is(exception));

    [Fact]
    public void Is_AnInvalidArgument_IsNotUnavailable() =>
        Assert.False(ClusterUnavailable.Is(new InvalidArgumentException("Body is too long.", "body")));
}
