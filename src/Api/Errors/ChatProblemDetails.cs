using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Orleans.Chat.Api.Auth;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Errors;

/// <summary>
/// Every error leaves as RFC 7807 problem details with a stable <c>code</c> extension: errors our grains throw,
/// malformed requests, and the empty 401/403/404/405/429 responses of routing, authentication and rate limiting.
/// </summary>
public static class ChatProblemDetails
{
    public const string CodeExtension = "code";

    /// <summary>With <c>unauthenticated</c>: one of <see cref="AuthFailureReasons"/>.</summary>
    public const string ReasonExtension = "reason";

    public static IHostApplicationBuilder AddChatProblemDetails(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (!problem.Extensions.ContainsKey(CodeExtension) && CodeFor(problem.Status ?? context.HttpContext.Response.StatusCode) is { } code)
            {
                problem.Extensions[CodeExtension] = code;
            }

            // An empty 401 from authentication (the exception handler sets its own reason): say why, for clients to switch on.
            if (context.Exception is null && problem.Status == StatusCodes.Status401Unauthorized
                && !problem.Extensions.ContainsKey(ReasonExtension) && ReasonFor401(context.HttpContext) is { } reason)
            {
                problem.Extensions[ReasonExtension] = reason;
            }

            problem.Extensions.Remove("exception");
        });
        builder.Services.AddExceptionHandler<ChatExceptionHandler>();

        // Malformed JSON and unparsable route/query values throw BadHttpRequestException in every environment, so
        // the handler above turns them into 400 invalid-argument problems instead of empty responses.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>Why the request's user token was refused; null if it was not (another scheme refused the caller).</summary>
    private static string? ReasonFor401(HttpContext context) =>
        context.Items.ContainsKey(SessionValidationMiddleware.RevokedItem)
            ? AuthFailureReasons.Revoked
            : context.RequestServices.GetRequiredService<AccessTokenIssuer>().ReasonAgainst(ChatAuthorization.AccessToken(context.Request), out _);

    /// <summary>The code for an HTTP status, or null for statuses that have none.</summary>
    public static string? CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType
            or StatusCodes.Status405MethodNotAllowed or StatusCodes.Status422UnprocessableEntity => ErrorCodes.InvalidArgument,
        StatusCodes.Status401Unauthorized => ErrorCodes.Unauthenticated,
        StatusCodes.Status403Forbidden => ErrorCodes.PermissionDenied,
        StatusCodes.Status404NotFound => ErrorCodes.NotFound,
        StatusCodes.Status409Conflict => ErrorCodes.Conflict,
        StatusCodes.Status429TooManyRequests => ErrorCodes.RateLimited,
        StatusCodes.Status503ServiceUnavailable => ErrorCodes.Unavailable,
        StatusCodes.Status501NotImplemented => ErrorCodes.NotSupported,
        _ => null,
    };

    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.PermissionDenied => StatusCodes.Status403Forbidden,
        ErrorCodes.InvalidArgument => StatusCodes.Status400BadRequest,
        ErrorCodes.Conflict => StatusCodes.Status409Conflict,
        ErrorCodes.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCodes.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCodes.NotSupported => StatusCodes.Status501NotImplemented,
        _ => StatusCodes.Status500InternalServerError,
    };
}

/// <summary>Maps <see cref="ChatException"/>, bad requests and an unavailable cluster to problem details; anything else stays a 500.</summary>
internal sealed partial class ChatExceptionHandler(IProblemDetailsService problemDetails, ILogger<ChatExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, detail) = exception switch
        {
            ChatException chat => (ChatProblemDetails.StatusFor(chat.Code), chat.Code, chat.Message),
            BadHttpRequestException bad => (bad.StatusCode, ErrorCodes.InvalidArgument, SafeDetail(bad)),
            JsonException => (StatusCodes.Status400BadRequest, ErrorCodes.InvalidArgument, "The request body is not valid JSON."),
            _ when ClusterUnavailable.Is(exception) => (StatusCodes.Status503ServiceUnavailable, ErrorCodes.Unavailable, ClusterUnavailable.Detail),
            _ => (0, "", ""),
        };
        if (status == 0)
        {
            return false;
        }

        LogMapped(logger, exception, code);
        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = ClusterUnavailable.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var problem = new ProblemDetails { Status = status, Title = TitleFor(code), Detail = detail };
        problem.Extensions[ChatProblemDetails.CodeExtension] = code;
        if (exception is InvalidArgumentException { ParameterName: { } parameter })
        {
            problem.Extensions["parameter"] = parameter;
        }

        if (exception is UnauthenticatedException { Reason: { } reason })
        {
            problem.Extensions[ChatProblemDetails.ReasonExtension] = reason;
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static string SafeDetail(BadHttpRequestException exception) =>
        exception.InnerException is JsonException ? "The request body is not valid JSON." : exception.Message;

    private static string TitleFor(string code) => code switch
    {
        ErrorCodes.NotFound => "Not found",
        ErrorCodes.PermissionDenied => "Permission denied",
        ErrorCodes.InvalidArgument => "Invalid argument",
        ErrorCodes.Conflict => "Conflict",
        ErrorCodes.Unauthenticated => "Unauthenticated",
        ErrorCodes.RateLimited => "Rate limited",
        ErrorCodes.Unavailable => "Unavailable",
        _ => "Error",
    };

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Answered an error as {Code}")]
    private static partial void LogMapped(ILogger logger, Exception exception, string code);
}
