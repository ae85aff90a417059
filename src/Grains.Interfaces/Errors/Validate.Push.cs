using System.Buffers.Text;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Errors;

/// <summary>The rules of a push token registration.</summary>
public static partial class Validate
{
    /// <summary>The longest push token: APNs device tokens are 64 hex digits, FCM tokens a few hundred characters.</summary>
    public const int MaxPushTokenLength = 4_096;

    /// <summary>
    /// A registration with a provider: <c>apns</c> and <c>fcm</c> give a token of printable characters, no endpoint or
    /// keys; <c>webpush</c> gives an https endpoint and keys (p256dh: a P-256 public key, 65 bytes; auth: 16 bytes,
    /// both base64url), and the token is the endpoint. Returns it with the token filled in.
    /// </summary>
    public static PushTokenRegistration PushToken(PushTokenRegistration? value)
    {
        if (value?.Provider is not { } provider || !Enum.IsDefined(provider))
        {
            throw new InvalidArgumentException("'provider' must be 'apns', 'fcm' or 'webpush'.", "provider");
        }

        if (provider != PushProvider.Webpush)
        {
            if (value.Endpoint is not null || value.Keys is not null)
            {
                throw new InvalidArgumentException("'endpoint' and 'keys' are for 'webpush' only.", "endpoint");
            }

            var token = value.Token;
            if (string.IsNullOrEmpty(token) || token.Length > MaxPushTokenLength || token.Any(c => c <= ' ' || char.IsControl(c)))
            {
                throw new InvalidArgumentException($"'token' must be 1 to {MaxPushTokenLength} printable characters without spaces.", "token");
            }

            return value with { Token = token };
        }

        var endpoint = value.Endpoint;
        if (endpoint is null || endpoint.Length > MaxUrlLength
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidArgumentException($"'endpoint' must be an https URL of at most {MaxUrlLength} characters.", "endpoint");
        }

        if (value.Token is not null && !string.Equals(value.Token, endpoint, StringComparison.Ordinal))
        {
            throw new InvalidArgumentException("For 'webpush' the endpoint is the token: leave 'token' out.", "token");
        }

        if (!IsBase64Url(value.Keys?.P256dh, 65) || value.Keys!.P256dh![0] != 'B')
        {
            // An uncompressed P-256 point: 65 bytes, the first 0x04 (so its base64url starts with 'B').
            throw new InvalidArgumentException("'keys.p256dh' must be the subscription's P-256 public key (65 bytes, base64url).", "keys.p256dh");
        }

        if (!IsBase64Url(value.Keys.Auth, 16))
        {
            throw new InvalidArgumentException("'keys.auth' must be the subscription's auth secret (16 bytes, base64url).", "keys.auth");
        }

        return value with { Token = endpoint };
    }

    private static bool IsBase64Url(string? value, int bytes) =>
        value is not null && value.Length <= 128 && Base64Url.IsValid(value.TrimEnd('='), out var length) && length == bytes;
}
