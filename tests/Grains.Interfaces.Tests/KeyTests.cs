using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Interfaces.Tests;

public sealed class KeyTests
{
    [Fact]
    public void ConversationKeyFor_EitherOrder_GivesSameKey()
    {
        var one = ConversationKey.For("org", "zed", "amy");
        var two = ConversationKey.For("org", "amy", "zed");

        Assert.Equal(one, two);
        Assert.Equal("org:amy:zed", one.ToGrainKey());
        Assert.Equal("amy", one.CounterpartyOf("zed"));
    }

    [Fact]
    public void ConversationKeyParse_RoundTrip_Equal()
    {
        var key = ConversationKey.For("org.1", "a@b", "c-d_e");

        Assert.Equal(key, ConversationKey.Parse(key.ToGrainKey()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("org:a")]
    [InlineData("org:b:a")]
    [InlineData("org:a:a")]
    [InlineData("org:a:b:c:d")]
    [InlineData("org:a b:c")]
    [InlineData(null)]
    public void ConversationKeyParse_Malformed_ThrowsInvalidArgument(string? value)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => ConversationKey.Parse(value));
        Assert.Equal(ErrorCodes.InvalidArgument, error.Code);
    }

    [Fact]
    public void ConversationKeyFor_TwoOrganizations_FourPartsEachMemberAfterTheirOrganization()
    {
        var one = ConversationKey.For("org-z", "zed", "org-a", "amy");
        var two = ConversationKey.For("org-a", "amy", "org-z", "zed");

        Assert.Equal(one, two);
        Assert.Equal("org-a:amy:org-z:zed", one.ToGrainKey());
        Assert.True(one.IsCrossOrganization);
        Assert.Null(one.OrganizationId);
        Assert.Equal(("org-a", "org-z"), (one.OrganizationOf("amy"), one.OrganizationOf("zed")));
        Assert.Equal("amy", one.CounterpartyOf("zed"));
    }

    [Fact]
    public void ConversationKeyFor_SameOrganizationTwice_ThreeParts()
    {
        var key = ConversationKey.For("org", "zed", "org", "amy");

        Assert.Equal(ConversationKey.For("org", "amy", "zed"), key);
        Assert.Equal("org:amy:zed", key.ToGrainKey());
        Assert.False(key.IsCrossOrganization);
        Assert.Equal("org", key.OrganizationId);
        Assert.Equal(("org", "org"), (key.OrganizationOf("amy"), key.OrganizationOf("zed")));
    }

    [Fact]
    public void ConversationKeyParse_CrossOrganizationRoundTrip_Equal()
    {
        var key = ConversationKey.For("org.1", "c-d_e", "org@2", "a@b");

        Assert.Equal(key, ConversationKey.Parse(key.ToGrainKey()));
        Assert.Equal("org@2", ConversationKey.Parse(key.ToGrainKey()).OrganizationOf("a@b"));
    }

    [Theory]
    [InlineData("o1:b:o2:a")]
    [InlineData("o1:a:o2:a")]
    [InlineData("o1:a:o1:b")]
    [InlineData("o1:a:o2:b:c")]
    [InlineData("o1:a:o2:")]
    [InlineData("o1:a:o 2:b")]
    public void ConversationKeyParse_MalformedCrossOrganization_ThrowsInvalidArgument(string value)
    {
        Assert.False(ConversationKey.TryParse(value, out _));
        Assert.Throws<InvalidArgumentException>(() => ConversationKey.Parse(value));
    }

    [Fact]
    public void ConversationKeyParse_LongestIds_Accepted()
    {
        var id = new string('a', Validate.MaxIdLength);
        var key = ConversationKey.For(id, id[..^1] + "b", id[..^1] + "c", id);

        Assert.Equal(key, ConversationKey.Parse(key.ToGrainKey()));
    }

    [Fact]
    public void ConversationKey_OrganizationOfStranger_ThrowsPermissionDenied()
    {
        Assert.Throws<PermissionDeniedException>(() => ConversationKey.For("o1", "a", "o2", "b").OrganizationOf("c"));
    }

    [Fact]
    public void ConversationKeyFor_SameUser_ThrowsInvalidArgument()
    {
        Assert.Throws<InvalidArgumentException>(() => ConversationKey.For("org", "a", "a"));
    }

    [Fact]
    public void ConversationKey_CounterpartyOfStranger_ThrowsPermissionDenied()
    {
        Assert.Throws<PermissionDeniedException>(() => ConversationKey.For("org", "a", "b").CounterpartyOf("c"));
    }

    [Theory]
    [InlineData(" Alice@Example.COM ", "email:alice@example.com")]
    [InlineData("bob@example.org", "email:bob@example.org")]
    public void UserLookupKeyForEmail_Valid_Normalized(string email, string expected)
    {
        Assert.Equal(expected, UserLookupKey.ForEmail(email).ToGrainKey());
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("a@b")]
    [InlineData("Alice <a@example.com>")]
    [InlineData("")]
    public void UserLookupKeyForEmail_Invalid_ThrowsInvalidArgument(string email)
    {
        Assert.Throws<InvalidArgumentException>(() => UserLookupKey.ForEmail(email));
    }

    [Theory]
    [InlineData("+1 (555) 123-4567", "phone:+15551234567")]
    [InlineData("555.123.4567", "phone:+5551234567")]
    public void UserLookupKeyForPhone_Valid_Normalized(string phone, string expected)
    {
        Assert.Equal(expected, UserLookupKey.ForPhone(phone).ToGrainKey());
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("+1 555 CALL NOW")]
    [InlineData("1+5551234567")]
    [InlineData("1234567890123456")]
    public void UserLookupKeyForPhone_Invalid_ThrowsInvalidArgument(string phone)
    {
        Assert.Throws<InvalidArgumentException>(() => UserLookupKey.ForPhone(phone));
    }

    [Fact]
    public void UserLookupKeyParse_RoundTrip_Equal()
    {
        var key = UserLookupKey.ForPhone("+44 20 7946 0000");

        Assert.Equal(key, UserLookupKey.Parse(key.ToGrainKey()));
    }
}
