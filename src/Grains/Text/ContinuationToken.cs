using System.Text;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Text;

/// <summary>
/// A page's continuation as the client sees it: the sort key of the page's last item, URL-safe base64. Opaque to the
/// client; a token this server did not give fails with <c>invalid-argument</c>.
/// </summary>
internal static class ContinuationToken
{
    public static string Encode(string sortKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(sortKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Decode(string continuation)
    {
        if (continuation.Length > 1_024)
        {
            throw Invalid();
        }

        try
        {
            var base64 = continuation.Replace('-', '+').Replace('_', '/');
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
        }
        catch (FormatException)
        {
            throw Invalid();
        }
    }

    public static InvalidArgumentException Invalid() => new("'continuation' is not one this server gave.", "continuation");
}
