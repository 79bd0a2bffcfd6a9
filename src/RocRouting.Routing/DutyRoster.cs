namespace RocRouting.Routing;

/// <summary>Whose roster: an organisation that takes cases (a recipient as text, "home-municipality:0180") or the service's operators.</summary>
public static class RosterOrganisations
{
    public const string Operators = "operators";
}

/// <summary>What a person on duty is there for: the first to be reached, or the one reached when that is not enough.</summary>
public enum DutyRole
{
    FirstResponder,
    ShiftLead,
}

/// <summary>
/// The days a weekly duty covers. <see cref="Holidays"/> is the Swedish calendar's named days
/// (public holidays such as juldagen, and the eves no office works: julafton, midsommarafton,
/// nyårsafton): on such a day only duties that include it apply, whatever weekday it falls on, so
/// an office-hours duty is not on at Christmas and a holiday duty is.
/// </summary>
[Flags]
public enum DutyDays
{
    None = 0,
    Monday = 1,
    Tuesday = 2,
    Wednesday = 4,
    Thursday = 8,
    Friday = 16,
    Saturday = 32,
    Sunday = 64,
    Holidays = 128,
    Weekdays = Monday | Tuesday | Wednesday | Thursday | Friday,
    Weekend = Saturday | Sunday,
    EveryDay = Weekdays | Weekend | Holidays,
}

/// <summary>
/// A weekly duty in Stockholm wall time. It starts on each covered day at <see cref="Starts"/> and
/// ends at <see cref="Ends"/>; an end at or before the start runs into the next morning (17:00–08:00),
/// and equal times make a 24-hour duty. A shift belongs to the day it starts on.
/// </summary>
public sealed record WeeklyDuty(string Person, DutyRole Role, DutyDays Days, TimeOnly Starts, TimeOnly Ends)
{
    public bool Overnight => Ends <= Starts;
}

/// <summary>
/// A dated change, for [From, To): a cover (someone on duty beside the rota), a swap or holiday duty
/// (someone on duty instead of <see cref="Replaces"/>, who is then off for that role).
/// </summary>
public sealed record DutyOverride(string Person, DutyRole Role, DateTimeOffset From, DateTimeOffset To, string? Replaces = null);

public sealed record OnDuty(string Person, DutyRole Role);

/// <summary>Who is on duty for one organisation at an instant: its weekly duties, the Swedish calendar and the overrides. No I/O.</summary>
public sealed class DutyRoster(IReadOnlyCollection<WeeklyDuty> weekly, IReadOnlyCollection<DutyOverride> overrides, TimeZoneInfo zone)
{
    public IReadOnlyCollection<WeeklyDuty> Weekly { get; } = weekly;

    public IReadOnlyCollection<DutyOverride> Overrides { get; } = overrides;

    public static DutyRoster Empty(TimeZoneInfo zone) => new([], [], zone);

    /// <summary>An organisation that keeps no roster (here, now): nobody to reach, and nobody expected.</summary>
    public bool IsEmpty => Weekly.Count == 0 && Overrides.Count == 0;

    /// <summary>Shift leads first, then first responders; each person once per role.</summary>
    public IReadOnlyList<OnDuty> At(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone).DateTime;
        var today = DateOnly.FromDateTime(local);
        var time = TimeOnly.FromDateTime(local);
        var yesterday = today.AddDays(-1);

        var on = new HashSet<OnDuty>();
        foreach (var duty in Weekly)
        {
            var startedToday = Covers(duty.Days, today) && time >= duty.Starts && (duty.Overnight || time < duty.Ends);
            var fromYesterday = duty.Overnight && Covers(duty.Days, yesterday) && time < duty.Ends;
            if (startedToday || fromYesterday)
            {
                on.Add(new OnDuty(duty.Person, duty.Role));
            }
        }
        var current = Overrides.Where(o => o.From <= instant && instant < o.To).ToList();
        // Everyone replaced goes first, then everyone covering comes: a swap both ways holds.
        foreach (var change in current.Where(o => o.Replaces is not null))
        {
            on.Remove(new OnDuty(change.Replaces!, change.Role));
        }
        foreach (var change in current)
        {
            on.Add(new OnDuty(change.Person, change.Role));
        }
        return [.. on.OrderByDescending(d => d.Role).ThenBy(d => d.Person, StringComparer.Ordinal)];
    }

    /// <summary>Whether a duty on these days applies on the date: a named day of the calendar counts only as a holiday.</summary>
    public static bool Covers(DutyDays days, DateOnly date) =>
        SwedishCalendar.FindNamed(date) is not null
            ? days.HasFlag(DutyDays.Holidays)
            : days.HasFlag(DayFlag(date.DayOfWeek));

    private static DutyDays DayFlag(DayOfWeek day) => day switch
    {
        DayOfWeek.Monday => DutyDays.Monday,
        DayOfWeek.Tuesday => DutyDays.Tuesday,
        DayOfWeek.Wednesday => DutyDays.Wednesday,
        DayOfWeek.Thursday => DutyDays.Thursday,
        DayOfWeek.Friday => DutyDays.Friday,
        DayOfWeek.Saturday => DutyDays.Saturday,
        _ => DutyDays.Sunday,
    };
}
