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

public sealed record WeeklyDutyView(Guid Id, string Person, string Role, string[] Days, string Starts, string Ends);

public sealed record OverrideView(Guid Id, string Person, string Role, DateTimeOffset From, DateTimeOffset To, string? Replaces);

public sealed record RosterView(string Organisation, string TimeZone, List<WeeklyDutyView> Weekly, List<OverrideView> Overrides);

public sealed record OnDutyView(string Person, string Role);

public sealed record OnDutyAnswer(string Organisation, DateTimeOffset At, List<OnDutyView> OnDuty);

/// <summary>
/// Duty rosters: who is on duty for an organisation when, as weekly duties in Stockholm wall time
/// and dated overrides. Operators edit every roster; an organisation's staff read their own. Each
/// change is on the audit trail. People are their sign-in subjects, never names. The rules of an
/// edit are <see cref="RosterEdits"/>'s, which the console's roster page calls too.
/// </summary>
public static class RostersApi
{
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapRostersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/rosters/{organisation}").WithTags("Rosters").RequireAuthorization(Policies.AnyUser);
        group.MapGet("/", ReadAsync).Produces<RosterView>().ProducesValidationProblem().WithName("ReadRoster");
        group.MapPut("/weekly", ReplaceWeeklyAsync).Accepts<WeeklyRosterBody>("application/json").Produces<RosterView>()
            .ProducesValidationProblem().WithName("ReplaceWeeklyDuties");
        group.MapPost("/weekly/duties", AddDutyAsync).Accepts<WeeklyDutyBody>("application/json").Produces<RosterView>()
            .ProducesValidationProblem().WithName("AddWeeklyDuty");
        group.MapDelete("/weekly/duties/{id}", RemoveDutyAsync).Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().WithName("RemoveWeeklyDuty");
        group.MapPost("/overrides", AddOverrideAsync).Accepts<OverrideBody>("application/json").Produces<OverrideView>(StatusCodes.Status201Created)
            .ProducesValidationProblem().WithName("AddRosterOverride");
        group.MapDelete("/overrides/{id}", RemoveOverrideAsync).Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().WithName("RemoveRosterOverride");
        group.MapGet("/on-duty", OnDutyAsync).Produces<OnDutyAnswer>().ProducesValidationProblem().WithName("WhoIsOnDuty");
        return routes;
    }

    private static IResult? Refuse(string organisation, ClaimsPrincipal user, RoutingConfiguration config, bool edit)
    {
        if (!RosterEdits.IsKnownOrganisation(organisation, config))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["organisation"] = ["must be \"operators\", \"social-emergency-service:{id}\" or \"home-municipality:{code}\" of a known organisation"],
            });
        }
        var reader = CaseReader.From(user, config);
        return (edit ? RosterEdits.MayEdit(reader) : RosterEdits.MayRead(reader, organisation)) ? null : TypedResults.Forbid();
    }

    internal static async Task<IResult> ReadAsync(string organisation, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, CancellationToken cancellationToken) =>
        Refuse(organisation, user, config, edit: false) ?? TypedResults.Ok(await RosterEdits.ViewAsync(db, organisation, config, cancellationToken));

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
        if (body!.Duties is not { } given || given.Length > RosterEdits.MaxDuties)
        {
            errors["duties"] = [$"must be a list of at most {RosterEdits.MaxDuties} weekly duties (empty clears the rota)"];
        }
        else
        {
            for (var i = 0; i < given.Length; i++)
            {
                if (RosterEdits.ParseDuty(given[i], $"duties[{i}]", organisation, errors) is { } duty)
                {
                    duties.Add(duty);
                }
            }
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        await RosterEdits.ReplaceWeeklyAsync(db, organisation, duties, Actor.From(user), time.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(await RosterEdits.ViewAsync(db, organisation, config, cancellationToken));
    }

    internal static async Task<IResult> AddDutyAsync(
        string organisation, HttpRequest http, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Refuse(organisation, user, config, edit: true) is { } refused)
        {
            return refused;
        }
        var (body, problem) = await JsonBody.ReadAsync<WeeklyDutyBody>(http, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        if (RosterEdits.ParseDuty(body, "", organisation, errors) is not { } duty)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (!await RosterEdits.AddDutyAsync(db, duty, Actor.From(user), time.GetUtcNow(), cancellationToken))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["person"] = [$"the roster has {RosterEdits.MaxDuties} weekly duties already; remove one first"] });
        }
        return TypedResults.Ok(await RosterEdits.ViewAsync(db, organisation, config, cancellationToken));
    }

    internal static Task<IResult> RemoveDutyAsync(
        string organisation, string id, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, TimeProvider time, CancellationToken cancellationToken) =>
        RemoveAsync(organisation, id, user, config, db, time, RosterEdits.RemoveDutyAsync, cancellationToken);

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
        var now = time.GetUtcNow();
        var added = RosterEdits.ParseOverride(
            organisation, body!.Person, body.Role, QueryValues.Instant(body.From ?? "", "from", errors), QueryValues.Instant(body.To ?? "", "to", errors),
            body.Replaces, now, errors);
        if (added is null || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        await RosterEdits.AddOverrideAsync(db, added, Actor.From(user), now, cancellationToken);
        var stored = await db.RosterOverrides.AsNoTracking().SingleAsync(o => o.Id == added.Id, cancellationToken);
        return TypedResults.Created($"/api/v1/rosters/{organisation}/overrides/{stored.Id}", RosterEdits.View(stored));
    }

    internal static Task<IResult> RemoveOverrideAsync(
        string organisation, string id, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, TimeProvider time, CancellationToken cancellationToken) =>
        RemoveAsync(organisation, id, user, config, db, time, RosterEdits.RemoveOverrideAsync, cancellationToken);

    private static async Task<IResult> RemoveAsync(
        string organisation, string id, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, TimeProvider time,
        Func<RocDbContext, string, Guid, Actor, DateTimeOffset, CancellationToken, Task<bool>> remove, CancellationToken cancellationToken)
    {
        if (Refuse(organisation, user, config, edit: true) is { } refused)
        {
            return refused;
        }
        var errors = new Dictionary<string, string[]>();
        if (QueryValues.Guid(id, "id", errors) is not { } rowId)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return await remove(db, organisation, rowId, Actor.From(user), time.GetUtcNow(), cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    internal static async Task<IResult> OnDutyAsync(
        string organisation, string? at, ClaimsPrincipal user, RoutingConfiguration config, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Refuse(organisation, user, config, edit: false) is { } refused)
        {
            return refused;
        }
        var errors = new Dictionary<string, string[]>();
        var instant = RosterEdits.Bounded(QueryValues.Instant(at, "at", errors), "at", errors) ?? time.GetUtcNow();
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var roster = await db.RosterAsync(organisation, instant, config.DefaultCalendar.Zone, cancellationToken);
        return TypedResults.Ok(new OnDutyAnswer(organisation, instant, [.. roster.At(instant).Select(d => new OnDutyView(d.Person, Wire.Name(d.Role)))]));
    }
}
