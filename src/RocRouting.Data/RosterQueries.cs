using Microsoft.EntityFrameworkCore;
using RocRouting.Routing;

namespace RocRouting.Data;

public static class RosterQueries
{
    /// <summary>An organisation's roster as the pure policy needs it at <paramref name="at"/>: its weekly duties and the overrides in force then.</summary>
    public static async Task<DutyRoster> RosterAsync(this RocDbContext db, string organisation, DateTimeOffset at, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var weekly = await db.RosterDuties.AsNoTracking().Where(d => d.Organisation == organisation).ToListAsync(cancellationToken);
        var overrides = await db.RosterOverrides.AsNoTracking()
            .Where(o => o.Organisation == organisation && o.From <= at && o.To > at)
            .ToListAsync(cancellationToken);
        return new DutyRoster([.. weekly.Select(d => d.ToPolicy())], [.. overrides.Select(o => o.ToPolicy())], zone);
    }
}
