using System.ComponentModel.DataAnnotations;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>Create an organization; without an id the server picks one.</summary>
public sealed record CreateOrganizationRequest(
    [property: RegularExpression(Validate.IdPattern)] string? Id,
    [property: Required, StringLength(Validate.MaxNameLength, MinimumLength = 1)] string Name);

/// <summary>Create a user; without an id the server picks one. Email and phone are optional and unique.</summary>
public sealed record CreateUserRequest(
    [property: RegularExpression(Validate.IdPattern)] string? Id,
    [property: StringLength(Validate.MaxEmailLength)] string? Email,
    [property: StringLength(Validate.MaxPhoneLength)] string? Phone,
    [property: Required, StringLength(Validate.MaxNameLength, MinimumLength = 1)] string DisplayName,
    [property: StringLength(Validate.MaxNameLength)] string? FirstName,
    [property: StringLength(Validate.MaxNameLength)] string? LastName,
    [property: Required, StringLength(Validate.MaxPasswordLength, MinimumLength = Validate.MinPasswordLength)] string Password);

/// <summary>Sign in with exactly one of user id, email or phone, the password and the device id.</summary>
public sealed record SignInRequest(
    [property: RegularExpression(Validate.IdPattern)] string? UserId,
    [property: StringLength(Validate.MaxEmailLength)] string? Email,
    [property: StringLength(Validate.MaxPhoneLength)] string? Phone,
    [property: Required, StringLength(Validate.MaxPasswordLength, MinimumLength = 1)] string Password,
    [property: Required, StringLength(Validate.MaxUdidLength, MinimumLength = 1)] string Udid);

/// <summary>A bearer access token for the <c>Authorization: Bearer</c> header (or <c>access_token</c> query on the hub).</summary>
public sealed record SignInResponse(string AccessToken, string TokenType, long ExpiresIn, string UserId, string SessionId);

/// <summary>Send a 1-1 message; <see cref="ClientMessageId"/> makes retries safe.</summary>
public sealed record SendMessageRequest(
    [property: Required, RegularExpression(Validate.IdPattern)] string OrganizationId,
    [property: Required, RegularExpression(Validate.IdPattern)] string RecipientId,
    [property: Required, StringLength(Validate.MaxBodyBytes, MinimumLength = 1)] string Body,
    [property: Required, RegularExpression(Validate.IdPattern)] string ClientMessageId);

/// <summary>Mark every message up to and including <see cref="SortNumber"/> as read.</summary>
public sealed record MarkReadRequest([property: Range(0, long.MaxValue)] long SortNumber);

/// <summary>How many hub connections of a user one API host holds.</summary>
public sealed record UserConnectionCount(string UserId, int Count);
