using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// A refresh token as clients hold it: <c>{secret}.{sessionId}.{userId}</c>. Opaque to clients; the ids only route it to
/// the user grain, which keeps the hash of the secret. The secret and session id hold no dot, so the user id (which may)
/// is the rest.
/// </summary>
public readonly record struct RefreshToken(string Secret, string SessionId, string UserId)
{
    public static RefreshToken New(string sessionId, string userId) =>
        new(Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)), sessionId, userId);

    public static bool TryParse(string? value, out RefreshToken token)
    {
        if (value?.Split('.', 3) is [{ Length: > 0 } secret, { Length: > 0 } sessionId, { Length: > 0 } userId])
        {
            token = new(secret, sessionId, userId);
            return true;
        }

        token = default;
        return false;
    }

    /// <summary>What the grain stores: the secret is 256 random bits, so a plain SHA-256 is enough (no password stretching).</summary>
    public string Hash() => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Secret)));

    public override string ToString() => $"{Secret}.{SessionId}.{UserId}";
}
