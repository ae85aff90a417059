using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>The lists of the routes and hub methods that get many things at once (<c>?userIds=a,b,c</c>).</summary>
internal static class ApiLists
{
    /// <summary>The entries of a comma-separated list (null for none), for <see cref="Check"/>.</summary>
    public static string[]? Split(string? value) => value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// The distinct entries of a list of 1 to <see cref="Validate.MaxLookupsPerCall"/>; <c>invalid-argument</c>
    /// otherwise. <paramref name="what"/> names the entries in the error ("users").
    /// </summary>
    public static List<string> Check(IEnumerable<string>? entries, string parameterName, string what)
    {
        var distinct = (entries ?? []).Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count is 0 or > Validate.MaxLookupsPerCall
            ? throw new InvalidArgumentException($"'{parameterName}' names 1 to {Validate.MaxLookupsPerCall} {what}, separated by commas.", parameterName)
            : distinct;
    }
}
