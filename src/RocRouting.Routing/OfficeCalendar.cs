using System.Collections.Frozen;
using System.Globalization;

namespace RocRouting.Routing;

/// <summary>Opening hours on one weekday, in local time. Closes is exclusive.</summary>
public readonly record struct OpeningHours(TimeOnly Opens, TimeOnly Closes)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Opens:HH\\:mm}-{Closes:HH\\:mm}");
}

/// <summary>Office hours per weekday; a weekday without an entry is closed.</summary>
public sealed class WeeklyOfficeHours
{
    private readonly FrozenDictionary<DayOfWeek, OpeningHours> _days;

    public WeeklyOfficeHours(IReadOnlyDictionary<DayOfWeek, OpeningHours> days)
    {
        foreach (var (day, hours) in days)
        {
            if (hours.Opens >= hours.Closes)
            {
                throw new ArgumentException($"Office hours on {day} must open before they close ({hours}).", nameof(days));
            }
        }
        if (days.Count == 0)
        {
            throw new ArgumentException("Office hours must name at least one weekday.", nameof(days));
        }
        _days = days.ToFrozenDictionary();
    }

    /// <summary>Monday to Friday 08:00-16:30: the default when a municipality publishes nothing else.</summary>
    public static WeeklyOfficeHours WeekdaysEightToHalfPastFour { get; } = new(
        new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .ToDictionary(d => d, _ => new OpeningHours(new TimeOnly(8, 0), new TimeOnly(16, 30))));

    public IReadOnlyDictionary<DayOfWeek, OpeningHours> Days => _days;

    public OpeningHours? On(DayOfWeek day) => _days.TryGetValue(day, out var hours) ? hours : null;
}

/// <summary>One office day resolved to instants.</summary>
public sealed record OfficeDay(DateOnly Date, DateTimeOffset Opens, DateTimeOffset Closes);

/// <summary>Why an office is closed on a date, or null when it opens that day.</summary>
public sealed record ClosedDay(DateOnly Date, string Reason, NamedDay? Holiday);

/// <summary>The state of an office at an instant.</summary>
public sealed record OfficeStatus(DateTimeOffset At, OfficeDay? OpenDay, string? ClosedBecause)
{
    public bool IsOpen => OpenDay is not null;
}

/// <summary>
/// A municipality's office hours applied to the Swedish calendar in its time zone. All
/// arithmetic happens on local dates and converts to instants through <see cref="TimeZoneInfo"/>,
/// so daylight saving changes are handled by the zone rules, never by fixed offsets.
/// </summary>
public sealed class OfficeCalendar(WeeklyOfficeHours hours, TimeZoneInfo zone)
{
    // Christmas plus a weekend closes an office for at most five days; a year is a generous bound
    // that still fails loudly on a configuration that never opens.
    private const int SearchDays = 370;

    public WeeklyOfficeHours Hours { get; } = hours;

    public TimeZoneInfo Zone { get; } = zone;

    public DateOnly LocalDate(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Zone).DateTime);

    public DateTimeOffset ToLocal(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Zone);

    /// <summary>The local wall-clock time as people read it: "16:30".</summary>
    public string LocalClock(DateTimeOffset at) => ToLocal(at).ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The office day on a local date, or null when the office does not open that day.</summary>
    public OfficeDay? On(DateOnly date)
    {
        if (SwedishCalendar.IsNonOfficeDay(date) || Hours.On(date.DayOfWeek) is not { } h)
        {
            return null;
        }
        return new OfficeDay(date, Instant(date, h.Opens), Instant(date, h.Closes));
    }

    public ClosedDay? ClosedOn(DateOnly date)
    {
        if (SwedishCalendar.FindNamed(date) is { } named)
        {
            return new ClosedDay(date, named.Name, SwedishCalendar.Find(date));
        }
        if (Hours.On(date.DayOfWeek) is null)
        {
            return new ClosedDay(date, date.DayOfWeek.ToString(), SwedishCalendar.Find(date));
        }
        // An office configured to open on Sundays still closes: every Sunday is a public holiday.
        return date.DayOfWeek == DayOfWeek.Sunday ? new ClosedDay(date, "Sunday", SwedishCalendar.Find(date)) : null;
    }

    public OfficeStatus StatusAt(DateTimeOffset at)
    {
        var date = LocalDate(at);
        if (ClosedOn(date) is { } closed)
        {
            return new OfficeStatus(at, null, closed.Reason);
        }
        var day = On(date)!;
        if (at < day.Opens)
        {
            return new OfficeStatus(at, null, "before opening time");
        }
        return at >= day.Closes
            ? new OfficeStatus(at, null, "after closing time")
            : new OfficeStatus(at, day, null);
    }

    /// <summary>The first office day whose opening is at or after <paramref name="at"/>.</summary>
    public OfficeDay NextOpening(DateTimeOffset at)
    {
        var date = LocalDate(at);
        for (var i = 0; i < SearchDays; i++, date = date.AddDays(1))
        {
            if (On(date) is { } day && day.Opens >= at)
            {
                return day;
            }
        }
        throw new InvalidOperationException("The office never opens within a year; the configuration is wrong.");
    }

    /// <summary>When the office is next available to take something: now if open, else the next opening.</summary>
    public DateTimeOffset AvailableFrom(DateTimeOffset at) => StatusAt(at).IsOpen ? at : NextOpening(at).Opens;

    /// <summary>The office days and closed days in a range of local dates, for calendars people read.</summary>
    public IEnumerable<(DateOnly Date, OfficeDay? Open, ClosedDay? Closed)> Days(DateOnly from, int count)
    {
        for (var date = from; date < from.AddDays(count); date = date.AddDays(1))
        {
            yield return (date, On(date), ClosedOn(date));
        }
    }

    private DateTimeOffset Instant(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        if (Zone.IsInvalidTime(local))
        {
            // A wall time skipped by the spring change happens, in practice, one hour later.
            local = local.AddHours(1);
        }
        var offset = Zone.IsAmbiguousTime(local)
            ? Zone.GetAmbiguousTimeOffsets(local).Max()
            : Zone.GetUtcOffset(local);
        // Instants leave the calendar in UTC: comparable, storable, and free of a misleading offset.
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
