namespace Orleans.Chat.Grains.Errors;

/// <summary>
/// Base of the errors grains throw on purpose. <see cref="Code"/> is stable and safe to show to clients;
/// the message is too, so never put secrets or internal details in it. Every subclass is serializable by Orleans
/// (<see cref="GenerateSerializerAttribute"/>), so the code survives the trip from a grain to its caller in any process.
/// </summary>
[GenerateSerializer, Alias("chat.ChatException")]
public abstract class ChatException : Exception
{
    protected ChatException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    [Id(0)]
    public string Code { get; private set; }
}

/// <summary>The addressed user, organization, conversation or message does not exist (or is not visible to the caller).</summary>
[GenerateSerializer, Alias("chat.NotFoundException")]
public sealed class NotFoundException(string message) : ChatException(ErrorCodes.NotFound, message);

/// <summary>The caller is known but may not do this (not a member, not a participant, not an admin).</summary>
[GenerateSerializer, Alias("chat.PermissionDeniedException")]
public sealed class PermissionDeniedException(string message) : ChatException(ErrorCodes.PermissionDenied, message);

/// <summary>An argument is missing, malformed or out of range.</summary>
[GenerateSerializer, Alias("chat.InvalidArgumentException")]
public sealed class InvalidArgumentException(string message, string? parameterName = null) : ChatException(ErrorCodes.InvalidArgument, message)
{
    [Id(0)]
    public string? ParameterName { get; private set; } = parameterName;
}

/// <summary>The request conflicts with existing data (an id, email or phone already taken).</summary>
[GenerateSerializer, Alias("chat.ConflictException")]
public sealed class ConflictException(string message) : ChatException(ErrorCodes.Conflict, message);

/// <summary>
/// Credentials or session are missing, wrong, expired or revoked; <see cref="Reason"/> (one of <see cref="AuthFailureReasons"/>)
/// says which, for clients to switch on.
/// </summary>
[GenerateSerializer, Alias("chat.UnauthenticatedException")]
public sealed class UnauthenticatedException(string message, string? reason = null) : ChatException(ErrorCodes.Unauthenticated, message)
{
    [Id(0)]
    public string? Reason { get; private set; } = reason;
}

/// <summary>The caller sends too much too fast.</summary>
[GenerateSerializer, Alias("chat.RateLimitedException")]
public sealed class RateLimitedException(string message) : ChatException(ErrorCodes.RateLimited, message);

/// <summary>This server cannot do it at all, whoever asks (a feature its store lacks).</summary>
[GenerateSerializer, Alias("chat.UnsupportedException")]
public sealed class UnsupportedException(string message) : ChatException(ErrorCodes.NotSupported, message);
