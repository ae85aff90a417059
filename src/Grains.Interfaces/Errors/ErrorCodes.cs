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

    /// <summary>The cluster could not answer in time (a silo is down or overloaded): retry after a moment.</summary>
    public const string Unavailable = "unavailable";
}
