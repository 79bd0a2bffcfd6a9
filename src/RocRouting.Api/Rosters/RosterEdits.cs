using System.Globalization;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Routing;

namespace RocRouting.Api.Rosters;

/// <summary>
/// Reading and changing a roster, for the API and the console's roster page alike: the checks on
/// what a duty or an override may be, and the writes with their audit entries. Errors are keyed by
/// the API's field names; the console maps them to its own fields.
/// </summary>
public static class RosterEdits
{
    public const int MaxDuties = 200;
    public const int MaxPersonLength = 200;

    /// <summary>An override is a swap, a cover or a holiday duty, not a second rota.</summary>
    public static readonly TimeSpan LongestOverride = TimeSpan.FromDays(62);

    /// <summary>"operators", or an organisation that takes cases ("social-emergency-service:stockholm", "home-municipality:0180") that the configuration knows.</summary>
    public static bool IsKnownOrganisation(string? organisation, RoutingConfiguration config) =>
        organisation == RosterOrganisations.Operators
        || (Recipient.TryParse(organisation, out var recipient)
            && (recipient.Kind == RecipientKind.HomeMunicipality ? config.Register.Contains(recipient.MunicipalityCode) : config.FindService(recipient.ServiceId!) is not null));

    /// <summary>Operators read and edit every roster; staff read their own organisation's.</summary>
    public static bool MayRead(CaseReader reader, string organisation) =>
        reader.IsOperator || (Recipient.TryParse(organisation, out var recipient) && CaseAccess.CanActFor(reader, recipient));

    public static bool MayEdit(CaseReader reader) => reader.IsOperator;

    public static async Task<RosterView> ViewAsync(RocDbContext db, string organisation, RoutingConfiguration config, CancellationToken cancellationToken)
    {
        var weekly = await db.RosterDuties.AsNoTracking().Where(d => d.Organisation == organisation)
            .OrderBy(d => d.Role).ThenBy(d => d.Starts).ThenBy(d => d.Person).ThenBy(d => d.Id).ToListAsync(cancellationToken);
        var overrides = await db.RosterOverrides.AsNoTracking().Where(o => o.Organisation == organisation)
            .OrderBy(o => o.From).ThenBy(o => o.Id).ToListAsync(cancellationToken);
        return new RosterView(
            organisation,
            config.DefaultCalendar.Zone.Id,
            [.. weekly.Select(d => new WeeklyDutyView(d.Id, d.Person, Wire.Name(d.Role), d.Days, Clock(d.Starts), Clock(d.Ends)))],
            [.. overrides.Select(View)]);
    }

    public static OverrideView View(RosterOverride o) => new(o.Id, o.Person, Wire.Name(o.Role), o.From, o.To, o.Replaces);

    /// <summary>
    /// Makes the organisation's weekly duties these, in one transaction. A duty that stays keeps its
    /// row (and id), so a repeated replacement changes nothing and answers the same.
    /// </summary>
    public static async Task ReplaceWeeklyAsync(
        RocDbContext db, string organisation, IReadOnlyList<RosterDuty> duties, Actor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var stored = await db.RosterDuties.Where(d => d.Organisation == organisation).ToListAsync(cancellationToken);
        foreach (var duty in duties)
        {
            var same = stored.FirstOrDefault(d => d.Person == duty.Person && d.Role == duty.Role && d.Days.SequenceEqual(duty.Days) && d.Starts == duty.Starts && d.Ends == duty.Ends);
            if (same is null)
            {
                db.RosterDuties.Add(duty);
            }
            else
            {
                stored.Remove(same);
            }
        }
        db.RosterDuties.RemoveRange(stored);
        db.Audit(actor, AuditActions.RosterChange, null, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Adds one weekly duty beside the others (two operators adding at once both keep theirs); false past <see cref="MaxDuties"/>.</summary>
    public static async Task<bool> AddDutyAsync(RocDbContext db, RosterDuty duty, Actor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await db.RosterDuties.CountAsync(d => d.Organisation == duty.Organisation, cancellationToken) >= MaxDuties)
        {
            return false;
        }
        db.RosterDuties.Add(duty);
        db.Audit(actor, AuditActions.RosterChange, null, now);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public static Task<bool> RemoveDutyAsync(RocDbContext db, string organisation, Guid id, Actor actor, DateTimeOffset now, CancellationToken cancellationToken) =>
        RemoveAsync(db, db.RosterDuties.Where(d => d.Id == id && d.Organisation == organisation), actor, now, cancellationToken);

    public static async Task AddOverrideAsync(RocDbContext db, RosterOverride added, Actor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        db.RosterOverrides.Add(added);
        db.Audit(actor, AuditActions.RosterChange, null, now);
        await db.SaveChangesAsync(cancellationToken);
    }

    public static Task<bool> RemoveOverrideAsync(RocDbContext db, string organisation, Guid id, Actor actor, DateTimeOffset now, CancellationToken cancellationToken) =>
        RemoveAsync(db, db.RosterOverrides.Where(o => o.Id == id && o.Organisation == organisation), actor, now, cancellationToken);

    private static async Task<bool> RemoveAsync<T>(RocDbContext db, IQueryable<T> rows, Actor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await rows.ExecuteDeleteAsync(cancellationToken) == 0)
        {
            return false;
        }
        db.Audit(actor, AuditActions.RosterChange, null, now);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public static RosterDuty? ParseDuty(WeeklyDutyBody? body, string at, string organisation, Dictionary<string, string[]> errors)
    {
        if (body is null)
        {
            errors[at] = ["must be a weekly duty"];
            return null;
        }
        var prefix = at.Length == 0 ? "" : at + ".";
        var count = errors.Count;
        var person = Person(body.Person, $"{prefix}person", errors);
        var role = Role(body.Role, $"{prefix}role", errors);
        if (!DutyDayNames.TryParse(body.Days, out var days))
        {
            errors[$"{prefix}days"] = [$"must name one or more of {string.Join(", ", Wire.AllNames<DutyDays>().Where(n => n != "none"))}"];
        }
        var starts = Time(body.Starts, $"{prefix}starts", errors);
        var ends = Time(body.Ends, $"{prefix}ends", errors);
        return errors.Count > count
            ? null
            : new RosterDuty { Id = Guid.CreateVersion7(), Organisation = organisation, Person = person!, Role = role!.Value, Days = DutyDayNames.Of(days), Starts = starts!.Value, Ends = ends!.Value };
    }

    /// <summary>An override from instants with offsets (the API) or already read by the caller (the console's Stockholm wall times).</summary>
    public static RosterOverride? ParseOverride(
        string organisation, string? person, string? role, DateTimeOffset? from, DateTimeOffset? to, string? replaces, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        var count = errors.Count;
        var who = Person(person, "person", errors);
        var as_ = Role(role, "role", errors);
        from = Bounded(from, "from", errors);
        to = Bounded(to, "to", errors);
        foreach (var (field, value) in new[] { ("from", from), ("to", to) })
        {
            if (value is null && !errors.ContainsKey(field))
            {
                errors[field] = ["is required"];
            }
        }
        var instead = string.IsNullOrEmpty(replaces) ? null : Person(replaces, "replaces", errors);
        if (from is { } f && to is { } t && (t <= f || t - f > LongestOverride))
        {
            errors["to"] = [$"must be after from, and at most {LongestOverride.TotalDays} days after it"];
        }
        return errors.Count > count || from is null || to is null
            ? null
            : new RosterOverride
            {
                Id = Guid.CreateVersion7(now),
                Organisation = organisation,
                Person = who!,
                Role = as_!.Value,
                From = from.Value,
                To = to.Value,
                Replaces = instead,
                CreatedAt = now,
            };
    }

    /// <summary>
    /// Instants a roster can mean: years 2000-2199, so the calendar's arithmetic never leaves its
    /// range; in UTC, as PostgreSQL's timestamptz takes them (the console's are Stockholm wall times).
    /// </summary>
    public static DateTimeOffset? Bounded(DateTimeOffset? instant, string field, Dictionary<string, string[]> errors)
    {
        if (instant is { Year: < 2000 or > 2199 })
        {
            errors[field] = ["must be between the years 2000 and 2199"];
            return null;
        }
        return instant?.ToUniversalTime();
    }

    private static string Clock(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static string? Person(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (text is { Length: > 0 and <= MaxPersonLength } && !text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return text;
        }
        errors[field] = [$"must be the person's sign-in subject (1-{MaxPersonLength} characters, no spaces), not a name"];
        return null;
    }

    private static DutyRole? Role(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (Wire.TryParse<DutyRole>(text, out var role))
        {
            return role;
        }
        errors[field] = [$"must be one of {string.Join(", ", Wire.AllNames<DutyRole>())}"];
        return null;
    }

    private static TimeOnly? Time(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            return value;
        }
        errors[field] = ["must be a Stockholm wall time as HH:mm (00:00-23:59)"];
        return null;
    }
}
