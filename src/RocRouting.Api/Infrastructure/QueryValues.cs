using System.Globalization;

namespace RocRouting.Api.Infrastructure;

/// <summary>
/// Query-string values parsed by hand, so that a bad one is a 400 naming the parameter. Typed
/// handler parameters (int?, Guid?, DateTimeOffset?) fail in binding instead: an exception (a 500)
/// in Development, a 400 without a body elsewhere.
/// </summary>
internal static class QueryValues
{
    /// <summary>An optional whole number within [min, max]; the fallback when absent.</summary>
    public static int Int(string? text, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return fallback;
        }
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }
        errors[name] = [$"must be a whole number between {min} and {max}"];
        return fallback;
    }

    public static Guid? Guid(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }
        if (System.Guid.TryParse(text, out var value))
        {
            return value;
        }
        errors[name] = ["must be an id (a UUID)"];
        return null;
    }

    /// <summary>An ISO 8601 instant with its offset (e.g. 2026-12-02T08:00:00+01:00), as UTC.</summary>
    public static DateTimeOffset? Instant(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value.ToUniversalTime();
        }
        errors[name] = ["must be an instant as YYYY-MM-DDTHH:MM:SS with an offset (or Z)"];
        return null;
    }

    /// <summary>A date as YYYY-MM-DD within [min, max].</summary>
    public static DateOnly? Date(string? text, string name, DateOnly min, DateOnly max, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) && value >= min && value <= max)
        {
            return value;
        }
        errors[name] = [$"must be a date as YYYY-MM-DD between {min:yyyy-MM-dd} and {max:yyyy-MM-dd}"];
        return null;
    }
}
