using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Rosters;

public sealed record WeeklyDutyBody(string? Person, string? Role, string[]? Days, string? Starts, string? Ends);

public sealed record WeeklyRosterBody(WeeklyDutyBody[]? Duties);

public sealed record OverrideBody(string? Person, string? Role, string? From, string? To, string? Replaces);

public sealed record WeeklyDutyView(string Person, string Role, string[] Days, string Starts, string Ends);

public sealed record OverrideView(Guid Id, string Person, string Role, DateTimeOffset From, DateTimeOffset To, string? Replaces);

public sealed record RosterView(string Organisation, string TimeZone, List<WeeklyDutyView> Weekly, List<OverrideView> Overrides);

public sealed record OnDutyView(string Person, string Role);

public sealed record OnDutyAnswer(string Organisation, DateTimeOffset At, List<OnDutyView> OnDuty);

/// <summary>
/// Duty rosters: who is on duty for an organisation when, as weekly duties in Stockholm wall time
/// and dated overrides. Operators edit every roster; an organisation's staff read their own. Each
/// change is on the audit trail. People are their sign-in subjects, never names.
/// </summary>
public static class RostersApi
{
    private const int MaxBodyBytes = 64 * 1024;
    private const int MaxDuties = 200;
    private const int MaxPersonLength = 200;

    /// <summary>An override is a swap, a cover or a holiday duty, not a second rota.</summary>
    private static readonly TimeSpan LongestOverride = TimeSpan.FromDays(62);

    public static IEndpointRouteBuilder MapRostersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/rosters/{organisation}").WithTags("Rosters").RequireAuthorization(Policies.AnyUser);
        group.MapGet("/", ReadAsync).Produces<RosterView>().ProducesValidationProblem().WithName("ReadRoster");
        group.MapPut("/weekly", ReplaceWeeklyAsync).Accepts<WeeklyRosterBody>("application/json").Produces<RosterView>()
            .ProducesValidationProblem().WithName("ReplaceWeeklyDuties");
        group.MapPost("/overrides", AddOverrideAsync).Accepts<OverrideBody>("application/json").Produces<OverrideView>(StatusCodes.Status201Created)
            .ProducesValidationProblem().WithName("AddRosterOverride");
        group.MapDelete("/overrides/{id}", RemoveOverrideAsync).Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().WithName("RemoveRosterOverride");
        group.MapGet("/on-duty", OnDutyAsync).Produces<OnDutyAnswer>().ProducesValidationProblem().WithName("WhoIsOnDuty");
        return routes;
    }

    /// <summary>"operators", or an organisation that takes cases ("social-emergency-service:stockholm", "home-municipality:0180") that the configuration knows.</summary>
    internal static bool IsKnownOrganisation(string organisation, RoutingConfiguration config) =>
        organisation == RosterOrganisations.Operators
        || (Recipient.TryParse(organisation, out var recipient)
            && (recipient.Kind == RecipientKind.HomeMunicipality ? config.Register.Contains(recipient.MunicipalityCode) : config.FindService(recipient.ServiceId!) is not null));

    /// <summary>Operators read and edit every roster; staff read their own organisation's.</summary>
    private static bool MayRead(CaseReader reader, string organisation) =>
        reader.IsOperator || (Recipient.TryParse(organisation, out var recipient) && CaseAccess.CanActFor(reader, recipient));

    private static IResult? Refuse(string organisation, ClaimsPrincipal user, RoutingConfiguration config, bool edit)
    {
        if (!IsKnownOrganisation(organisation, config))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["organisation"] = ["must be \"operators\", \"social-emergency-service:{id}\" or \"home-municipality:{code}\" of a known organisation"],
            });
        }
        var reader = CaseReader.From(user, config);
        return (edit ? reader.IsOperator : MayRead(reader, organisation)) ? null : TypedResults.Forbid();
    }

    internal static async Task<IResult> ReadAsync(string organisation, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, CancellationToken cancellationToken) =>
        Refuse(organisation, user, config, edit: false) ?? TypedResults.Ok(await ViewAsync(db, organisation, config, cancellationToken));

    internal static async Task<IResult> ReplaceWeeklyAsync(
        string organisation, HttpRequest http, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Refuse(organisation, user, config, edit: true) is { } refused)
        {
            return refused;
        }
        var (body, problem) = await JsonBody.ReadAsync<WeeklyRosterBody>(http, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        var duties = new List<RosterDuty>();
        if (body!.Duties is not { } given || given.Length > MaxDuties)
        {
            errors["duties"] = [$"must be a list of at most {MaxDuties} weekly duties (empty clears the rota)"];
        }
        else
        {
            for (var i = 0; i < given.Length; i++)
            {
                if (ParseDuty(given[i], $"duties[{i}]", organisation, errors) is { } duty)
                {
                    duties.Add(duty);
                }
            }
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.RosterDuties.Where(d => d.Organisation == organisation).ExecuteDeleteAsync(cancellationToken);
        db.RosterDuties.AddRange(duties);
        db.Audit(Actor.From(user), AuditActions.RosterChange, null, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(await ViewAsync(db, organisation, config, cancellationToken));
    }

    internal static async Task<IResult> AddOverrideAsync(
        string organisation, HttpRequest http, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Refuse(organisation, user, config, edit: true) is { } refused)
        {
            return refused;
        }
        var (body, problem) = await JsonBody.ReadAsync<OverrideBody>(http, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        var person = Person(body!.Person, "person", errors);
        var role = Role(body.Role, "role", errors);
        var from = Bounded(QueryValues.Instant(body.From ?? "", "from", errors), "from", errors);
        var to = Bounded(QueryValues.Instant(body.To ?? "", "to", errors), "to", errors);
        var replaces = body.Replaces is null ? null : Person(body.Replaces, "replaces", errors);
        if (from is { } f && to is { } t && (t <= f || t - f > LongestOverride))
        {
            errors["to"] = [$"must be after from, and at most {LongestOverride.TotalDays} days after it"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var now = time.GetUtcNow();
        var added = new RosterOverride
        {
            Id = Guid.CreateVersion7(now),
            Organisation = organisation,
            Person = person!,
            Role = role!.Value,
            From = from!.Value,
            To = to!.Value,
            Replaces = replaces,
            CreatedAt = now,
        };
        db.RosterOverrides.Add(added);
        db.Audit(Actor.From(user), AuditActions.RosterChange, null, now);
        await db.SaveChangesAsync(cancellationToken);
        var stored = await db.RosterOverrides.AsNoTracking().SingleAsync(o => o.Id == added.Id, cancellationToken);
        return TypedResults.Created($"/api/v1/rosters/{organisation}/overrides/{stored.Id}", View(stored));
    }

    internal static async Task<IResult> RemoveOverrideAsync(
        string organisation, string id, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Refuse(organisation, user, config, edit: true) is { } refused)
        {
            return refused;
        }
        var errors = new Dictionary<string, string[]>();
        if (QueryValues.Guid(id, "id", errors) is not { } overrideId)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var removed = await db.RosterOverrides.Where(o => o.Id == overrideId && o.Organisation == organisation).ExecuteDeleteAsync(cancellationToken);
        if (removed == 0)
        {
            return TypedResults.NotFound();
        }
        db.Audit(Actor.From(user), AuditActions.RosterChange, null, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<IResult> OnDutyAsync(
        string organisation, string? at, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Refuse(organisation, user, config, edit: false) is { } refused)
        {
            return refused;
        }
        var errors = new Dictionary<string, string[]>();
        var instant = Bounded(QueryValues.Instant(at, "at", errors), "at", errors) ?? time.GetUtcNow();
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var roster = await db.RosterAsync(organisation, instant, config.DefaultCalendar.Zone, cancellationToken);
        return TypedResults.Ok(new OnDutyAnswer(organisation, instant, [.. roster.At(instant).Select(d => new OnDutyView(d.Person, Wire.Name(d.Role)))]));
    }

    private static async Task<RosterView> ViewAsync(RocDbContext db, string organisation, RoutingConfiguration config, CancellationToken cancellationToken)
    {
        var weekly = await db.RosterDuties.AsNoTracking().Where(d => d.Organisation == organisation)
            .OrderBy(d => d.Role).ThenBy(d => d.Starts).ThenBy(d => d.Person).ThenBy(d => d.Id).ToListAsync(cancellationToken);
        var overrides = await db.RosterOverrides.AsNoTracking().Where(o => o.Organisation == organisation)
            .OrderBy(o => o.From).ThenBy(o => o.Id).ToListAsync(cancellationToken);
        return new RosterView(
            organisation,
            config.DefaultCalendar.Zone.Id,
            [.. weekly.Select(d => new WeeklyDutyView(d.Person, Wire.Name(d.Role), d.Days, Clock(d.Starts), Clock(d.Ends)))],
            [.. overrides.Select(View)]);
    }

    private static OverrideView View(RosterOverride o) => new(o.Id, o.Person, Wire.Name(o.Role), o.From, o.To, o.Replaces);

    private static string Clock(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static RosterDuty? ParseDuty(WeeklyDutyBody? body, string at, string organisation, Dictionary<string, string[]> errors)
    {
        if (body is null)
        {
            errors[at] = ["must be a weekly duty"];
            return null;
        }
        var count = errors.Count;
        var person = Person(body.Person, $"{at}.person", errors);
        var role = Role(body.Role, $"{at}.role", errors);
        if (!DutyDayNames.TryParse(body.Days, out var days))
        {
            errors[$"{at}.days"] = [$"must name one or more of {string.Join(", ", Wire.AllNames<DutyDays>().Where(n => n != "none"))}"];
        }
        var starts = Time(body.Starts, $"{at}.starts", errors);
        var ends = Time(body.Ends, $"{at}.ends", errors);
        return errors.Count > count
            ? null
            : new RosterDuty { Id = Guid.CreateVersion7(), Organisation = organisation, Person = person!, Role = role!.Value, Days = DutyDayNames.Of(days), Starts = starts!.Value, Ends = ends!.Value };
    }

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

    /// <summary>Instants a roster can mean: years 2000-2199, so the calendar's arithmetic never leaves its range.</summary>
    private static DateTimeOffset? Bounded(DateTimeOffset? instant, string field, Dictionary<string, string[]> errors)
    {
        if (instant is { Year: < 2000 or > 2199 })
        {
            errors[field] = ["must be between the years 2000 and 2199"];
            return null;
        }
        return instant;
    }
}
