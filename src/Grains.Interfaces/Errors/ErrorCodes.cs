namespace Orleans.Chat.Grains.Errors;

/// <summary>The stable error codes clients see in problem details and hub errors.</summary>
public static class ErrorCodes
{
    public const string NotFound = "not-found";
    public const string PermissionDenied = "permission-denied";
    public const string InvalidArgument = "invalid-argument";
    public const string Conflict = "conflict";
    public const string Unauthenticated = "unauthenticated";
    public const string RateLimited = "rate-limited";

    /// <summary>This server's store cannot do what was asked (message search on Azure Storage): HTTP 501.</summary>
    public const string NotSupported = "not-supported";

    /// <summary>The cluster could not answer in time (a silo is down or overloaded): retry after a moment.</summary>
    public const string Unavailable = "unavailable";
}

/// <summary>The stable <c>reason</c> of an <c>unauthenticated</c> error: what the client should do next.</summary>
public static class AuthFailureReasons
{
    /// <summary>No access token was given: sign in.</summary>
    public const string Missing = "missing";

    /// <summary>The token is not one this server issued (garbled, truncated, from another deployment): sign in.</summary>
    public const string Malformed = "malformed";

    /// <summary>The access token expired: refresh it.</summary>
    public const string Expired = "expired";

    /// <summary>The session was ended (signed out, ended from another device, replaced by a new sign-in): sign in.</summary>
    public const string Revoked = "revoked";

    /// <summary>A refresh token was presented a second time: the session is ended, in case it was stolen. Sign in.</summary>
    public const string RefreshReused = "refresh-reused";

    /// <summary>The refresh token expired: sign in.</summary>
    public const string RefreshExpired = "refresh-expired";
}
