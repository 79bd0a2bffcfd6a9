using System.Globalization;

namespace RocRouting.Api.Infrastructure;

/// <summary>
/// The text of a cursor made of two non-negative numbers (the live feed's transaction and event, the
/// audit trail's instant and entry): the two joined by a dot, which passes through a URL as it is.
/// </summary>
public static class DottedCursor
{
    public static string Format(long first, long second) => string.Create(CultureInfo.InvariantCulture, $"{first}.{second}");

    public static bool TryParse(string? text, out long first, out long second)
    {
        first = second = 0;
        var parts = (text ?? "").Split('.');
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out first)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out second);
    }
}
