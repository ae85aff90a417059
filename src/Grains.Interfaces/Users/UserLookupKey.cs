using System.Net.Mail;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Users;

/// <summary>What a lookup index is keyed by.</summary>
public enum UserLookupKind
{
    Email,
    Phone,
}

/// <summary>
/// The key of a lookup index grain: a normalized email (trimmed, lower case) or phone (a '+' and 7-15 digits).
/// Grain key: <c>email:alice@example.com</c> or <c>phone:+15551234567</c>.
/// </summary>
public readonly record struct UserLookupKey(UserLookupKind Kind, string Value)
{
    public string ToGrainKey() => Kind == UserLookupKind.Email ? "email:" + Value : "phone:" + Value;

    public override string ToString() => ToGrainKey();

    public static UserLookupKey Parse(string value) =>
        value.StartsWith("email:", StringComparison.Ordinal) ? ForEmail(value["email:".Length..])
        : value.StartsWith("phone:", StringComparison.Ordinal) ? ForPhone(value["phone:".Length..])
        : throw new InvalidArgumentException("Not a user lookup key.", nameof(value));

    /// <summary>Normalizes and checks an email address; <c>invalid-argument</c> if it is not one.</summary>
    public static UserLookupKey ForEmail(string? email)
    {
        var trimmed = email?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > Validate.MaxEmailLength
            || !MailAddress.TryCreate(trimmed, out var address) || !string.Equals(address.Address, trimmed, StringComparison.Ordinal)
            || !address.Host.Contains('.', StringComparison.Ordinal))
        {
            throw new InvalidArgumentException("'email' is not a valid email address.", "email");
        }

        return new UserLookupKey(UserLookupKind.Email, trimmed.ToLowerInvariant());
    }

    /// <summary>Normalizes a phone number to '+' and digits (spaces, dashes, dots and parentheses dropped).</summary>
    public static UserLookupKey ForPhone(string? phone)
    {
        var trimmed = phone?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > Validate.MaxPhoneLength)
        {
            throw new InvalidArgumentException("'phone' is not a valid phone number.", "phone");
        }

        Span<char> digits = stackalloc char[Validate.MaxPhoneLength];
        var count = 0;
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (char.IsAsciiDigit(c))
            {
                digits[count++] = c;
            }
            else if (!(c is ' ' or '-' or '.' or '(' or ')' || (c == '+' && i == 0)))
            {
                throw new InvalidArgumentException("'phone' is not a valid phone number.", "phone");
            }
        }

        if (count is < 7 or > 15)
        {
            throw new InvalidArgumentException("'phone' must have 7 to 15 digits.", "phone");
        }

        return new UserLookupKey(UserLookupKind.Phone, "+" + new string(digits[..count]));
    }
}
