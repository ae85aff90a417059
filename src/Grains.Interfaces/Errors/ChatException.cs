namespace Orleans.Chat.Grains.Errors;

/// <summary>
/// Base of the errors grains throw on purpose. <see cref="Code"/> is stable and safe to show to clients;
/// the message is too, so never put secrets or internal details in it.
/// </summary>
public abstract class ChatException : Exception
{
    protected ChatException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    protected ChatException(string code, string message, Exception? innerException)
        : base(message, innerException)
    {
        Code = code;
    }

    public string Code { get; }
}

/// <summary>The addressed user, organization, conversation or message does not exist (or is not visible to the caller).</summary>
public sealed class NotFoundException(string message) : ChatException(ErrorCodes.NotFound, message);

/// <summary>The caller is known but may not do this (not a member, not a participant, not an admin).</summary>
public sealed class PermissionDeniedException(string message) : ChatException(ErrorCodes.PermissionDenied, message);

/// <summary>An argument is missing, malformed or out of range.</summary>
public sealed class InvalidArgumentException(string message, string? parameterName = null) : ChatException(ErrorCodes.InvalidArgument, message)
{
    public string? ParameterName { get; } = parameterName;
}

/// <summary>The request conflicts with existing data (an id, email or phone already taken).</summary>
public sealed class ConflictException(string message) : ChatException(ErrorCodes.Conflict, message);

/// <summary>Credentials or session are missing, wrong, expired or revoked.</summary>
public sealed class UnauthenticatedException(string message) : ChatException(ErrorCodes.Unauthenticated, message);

/// <summary>The caller sends too much too fast.</summary>
public sealed class RateLimitedException(string message) : ChatException(ErrorCodes.RateLimited, message);
