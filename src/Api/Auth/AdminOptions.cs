using System.ComponentModel.DataAnnotations;

namespace Orleans.Chat.Api.Auth;

/// <summary>The admin API key (configuration <c>Admin:ApiKey</c>), sent by server-side callers in <c>X-Admin-Key</c>.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";
    public const string HeaderName = "X-Admin-Key";

    /// <summary>At least 8 characters. In Development, when none is configured, one is generated at start and logged.</summary>
    [Required(ErrorMessage = "Admin:ApiKey must be configured (at least 8 characters) outside Development.")]
    [MinLength(8, ErrorMessage = "Admin:ApiKey must be at least 8 characters.")]
    public string? ApiKey { get; set; }
}
