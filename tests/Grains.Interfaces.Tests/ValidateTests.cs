using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Interfaces.Tests;

public sealed class ValidateTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("A-z_0.9@x")]
    public void Id_Valid_Returned(string id)
    {
        Assert.Equal(id, Validate.Id(id, "id"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("colon:no")]
    [InlineData("slash/no")]
    [InlineData("ünïcode")]
    [InlineData(null)]
    public void Id_Invalid_ThrowsInvalidArgumentWithParameter(string? id)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => Validate.Id(id, "userId"));
        Assert.Equal("userId", error.ParameterName);
    }

    [Fact]
    public void Id_TooLong_Throws()
    {
        Assert.Equal(new string('x', 64), Validate.Id(new string('x', 64), "id"));
        Assert.Throws<InvalidArgumentException>(() => Validate.Id(new string('x', 65), "id"));
    }

    [Fact]
    public void Body_AtLimitInUtf8_AcceptedAndOverLimitRejected()
    {
        Assert.NotNull(Validate.Body(new string('a', Validate.MaxBodyBytes)));
        Assert.Throws<InvalidArgumentException>(() => Validate.Body(new string('a', Validate.MaxBodyBytes + 1)));

        // 'é' is two bytes in UTF-8: half the characters already fill the limit.
        Assert.NotNull(Validate.Body(new string('é', Validate.MaxBodyBytes / 2)));
        Assert.Throws<InvalidArgumentException>(() => Validate.Body(new string('é', (Validate.MaxBodyBytes / 2) + 1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Body_Blank_Throws(string? body)
    {
        Assert.Throws<InvalidArgumentException>(() => Validate.Body(body));
    }

    [Theory]
    [InlineData(null, 50)]
    [InlineData(1, 1)]
    [InlineData(200, 200)]
    public void Limit_InRange_Returned(int? limit, int expected)
    {
        Assert.Equal(expected, Validate.Limit(limit));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(201)]
    public void Limit_OutOfRange_Throws(int limit)
    {
        Assert.Throws<InvalidArgumentException>(() => Validate.Limit(limit));
    }

    [Fact]
    public void ErrorCodes_AreStable()
    {
        Assert.Equal("not-found", new NotFoundException("x").Code);
        Assert.Equal("permission-denied", new PermissionDeniedException("x").Code);
        Assert.Equal("invalid-argument", new InvalidArgumentException("x").Code);
        Assert.Equal("conflict", new ConflictException("x").Code);
        Assert.Equal("unauthenticated", new UnauthenticatedException("x").Code);
        Assert.Equal("rate-limited", new RateLimitedException("x").Code);
    }
}
