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
}
