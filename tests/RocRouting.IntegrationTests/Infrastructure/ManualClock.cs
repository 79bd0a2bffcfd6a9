namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>A clock the test moves by hand; the API and the worker read it through TimeProvider.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private static readonly TimeZoneInfo Stockholm = TimeZoneInfo.FindSystemTimeZoneById("Europe/Stockholm");
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (this)
        {
            return _now;
        }
    }

    public void Set(DateTimeOffset at)
    {
        lock (this)
        {
            if (at < _now)
            {
                throw new InvalidOperationException("The clock only moves forward.");
            }
            _now = at.ToUniversalTime();
        }
    }

    public void Advance(TimeSpan by) => Set(GetUtcNow() + by);

    /// <summary>Moves to the next given weekday (at least one day ahead) at a Stockholm wall time: a fresh, quiet day for each test.</summary>
    public DateTimeOffset NextLocal(DayOfWeek day, int hour, int minute = 0)
    {
        var local = TimeZoneInfo.ConvertTime(GetUtcNow(), Stockholm).Date.AddDays(1);
        // A weekday that is a holiday would change the routing: skip it. Weekends are closed anyway.
        while (local.DayOfWeek != day || (day is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && SwedishDayIsClosed(local)))
        {
            local = local.AddDays(1);
        }
        var wall = local.AddHours(hour).AddMinutes(minute);
        var at = new DateTimeOffset(wall, Stockholm.GetUtcOffset(wall));
        Set(at);
        return at;
    }

    private static bool SwedishDayIsClosed(DateTime date) => RocRouting.Routing.SwedishCalendar.IsNonOfficeDay(DateOnly.FromDateTime(date));
}
