using System.Collections.Concurrent;

namespace RocRouting.Routing;

public enum DayKind
{
    /// <summary>A public holiday under Lag (1989:253) om allmänna helgdagar, Sundays included.</summary>
    PublicHoliday,

    /// <summary>Not in the law, but no office opens: midsommarafton, julafton, nyårsafton.</summary>
    HolidayEve,
}

public sealed record NamedDay(DateOnly Date, string Name, DayKind Kind);

/// <summary>
/// Swedish public holidays and holiday eves for any Gregorian year, computed from the rules of
/// the law rather than a table, so the service never runs out of years.
/// </summary>
public static class SwedishCalendar
{
    private static readonly ConcurrentDictionary<int, Dictionary<DateOnly, NamedDay>> Years = new();

    /// <summary>The named days of a year (Sundays are public holidays too but are not listed here).</summary>
    public static IReadOnlyCollection<NamedDay> NamedDays(int year) => For(year).Values;

    /// <summary>The holiday or eve on this date, or null. A plain Sunday is reported as "Söndag".</summary>
    public static NamedDay? Find(DateOnly date)
    {
        if (For(date.Year).TryGetValue(date, out var named))
        {
            // An eve that falls on a Sunday is still a public holiday (every Sunday is).
            return named.Kind == DayKind.HolidayEve && date.DayOfWeek == DayOfWeek.Sunday
                ? named with { Kind = DayKind.PublicHoliday }
                : named;
        }
        return date.DayOfWeek == DayOfWeek.Sunday ? new NamedDay(date, "Söndag", DayKind.PublicHoliday) : null;
    }

    /// <summary>The named holiday or eve on this date, or null (a plain Sunday has no name).</summary>
    public static NamedDay? FindNamed(DateOnly date) => For(date.Year).GetValueOrDefault(date);

    public static bool IsPublicHoliday(DateOnly date) => Find(date)?.Kind == DayKind.PublicHoliday;

    /// <summary>True on public holidays and holiday eves: days on which no office opens whatever its weekly hours say.</summary>
    public static bool IsNonOfficeDay(DateOnly date) => Find(date) is not null;

    /// <summary>Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher).</summary>
    public static DateOnly EasterSunday(int year)
    {
        var a = year % 19;
        var b = year / 100;
        var c = year % 100;
        var d = b / 4;
        var e = b % 4;
        var f = (b + 8) / 25;
        var g = (b - f + 1) / 3;
        var h = ((19 * a) + b - d - g + 15) % 30;
        var i = c / 4;
        var k = c % 4;
        var l = (32 + (2 * e) + (2 * i) - h - k) % 7;
        var m = (a + (11 * h) + (22 * l)) / 451;
        var month = (h + l - (7 * m) + 114) / 31;
        var day = ((h + l - (7 * m) + 114) % 31) + 1;
        return new DateOnly(year, month, day);
    }

    /// <summary>Midsommardagen: the Saturday between 20 and 26 June.</summary>
    public static DateOnly Midsummer(int year) => SaturdayFrom(new DateOnly(year, 6, 20));

    /// <summary>Alla helgons dag: the Saturday between 31 October and 6 November.</summary>
    public static DateOnly AllSaints(int year) => SaturdayFrom(new DateOnly(year, 10, 31));

    private static DateOnly SaturdayFrom(DateOnly first) =>
        first.AddDays(((int)DayOfWeek.Saturday - (int)first.DayOfWeek + 7) % 7);

    private static Dictionary<DateOnly, NamedDay> For(int year) => Years.GetOrAdd(year, Compute);

    private static Dictionary<DateOnly, NamedDay> Compute(int year)
    {
        var easter = EasterSunday(year);
        var midsummer = Midsummer(year);
        var days = new List<NamedDay>
        {
            Holiday(new DateOnly(year, 1, 1), "Nyårsdagen"),
            Holiday(new DateOnly(year, 1, 6), "Trettondedag jul"),
            Holiday(easter.AddDays(-2), "Långfredagen"),
            Holiday(easter, "Påskdagen"),
            Holiday(easter.AddDays(1), "Annandag påsk"),
            Holiday(new DateOnly(year, 5, 1), "Första maj"),
            Holiday(easter.AddDays(39), "Kristi himmelsfärdsdag"),
            Holiday(new DateOnly(year, 6, 6), "Sveriges nationaldag"),
            Holiday(easter.AddDays(49), "Pingstdagen"),
            Eve(midsummer.AddDays(-1), "Midsommarafton"),
            Holiday(midsummer, "Midsommardagen"),
            Holiday(AllSaints(year), "Alla helgons dag"),
            Eve(new DateOnly(year, 12, 24), "Julafton"),
            Holiday(new DateOnly(year, 12, 25), "Juldagen"),
            Holiday(new DateOnly(year, 12, 26), "Annandag jul"),
            Eve(new DateOnly(year, 12, 31), "Nyårsafton"),
        };
        // Two holidays can share a date (pingstdagen on 6 June in 2055, Kristi himmelsfärd on 1 May in
        // 2008): the day carries both names.
        return days
            .GroupBy(d => d.Date)
            .ToDictionary(
                g => g.Key,
                g => new NamedDay(
                    g.Key,
                    string.Join(" / ", g.Select(d => d.Name)),
                    g.Any(d => d.Kind == DayKind.PublicHoliday) ? DayKind.PublicHoliday : DayKind.HolidayEve));
    }

    private static NamedDay Holiday(DateOnly date, string name) => new(date, name, DayKind.PublicHoliday);

    private static NamedDay Eve(DateOnly date, string name) => new(date, name, DayKind.HolidayEve);
}
