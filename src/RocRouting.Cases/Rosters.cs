using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Cases;

/// <summary>Duty days as single wire names ("monday", ..., "holidays"): how they are stored and shown.</summary>
public static class DutyDayNames
{
    private static readonly DutyDays[] Single =
    [
        DutyDays.Monday, DutyDays.Tuesday, DutyDays.Wednesday, DutyDays.Thursday, DutyDays.Friday, DutyDays.Saturday, DutyDays.Sunday, DutyDays.Holidays,
    ];

    public static string[] Of(DutyDays days) => [.. Single.Where(d => days.HasFlag(d)).Select(d => Wire.Name(d))];

    /// <summary>Any names of <see cref="DutyDays"/> ("weekdays" too); false when one is unknown or the list is empty.</summary>
    public static bool TryParse(IReadOnlyCollection<string>? names, out DutyDays days)
    {
        days = DutyDays.None;
        foreach (var name in names ?? [])
        {
            if (!Wire.TryParse<DutyDays>(name, out var day) || day == DutyDays.None)
            {
                days = DutyDays.None;
                return false;
            }
            days |= day;
        }
        return days != DutyDays.None;
    }
}

/// <summary>A weekly duty of an organisation's roster, as stored. The person is their sign-in subject, never a name.</summary>
public sealed class RosterDuty
{
    public Guid Id { get; set; }

    public required string Organisation { get; set; }

    public required string Person { get; set; }

    public DutyRole Role { get; set; }

    /// <summary>Single day names (<see cref="DutyDayNames.Of"/>), stored as a text array readable in SQL.</summary>
    public required string[] Days { get; set; }

    public TimeOnly Starts { get; set; }

    public TimeOnly Ends { get; set; }

    public WeeklyDuty ToPolicy() => new(
        Person, Role, DutyDayNames.TryParse(Days, out var days) ? days : throw new FormatException("Stored duty days are not valid."), Starts, Ends);
}

/// <summary>A dated change to an organisation's roster (cover, swap, holiday duty), as stored.</summary>
public sealed class RosterOverride
{
    public Guid Id { get; set; }

    public required string Organisation { get; set; }

    public required string Person { get; set; }

    public DutyRole Role { get; set; }

    public DateTimeOffset From { get; set; }

    public DateTimeOffset To { get; set; }

    public string? Replaces { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DutyOverride ToPolicy() => new(Person, Role, From, To, Replaces);
}
