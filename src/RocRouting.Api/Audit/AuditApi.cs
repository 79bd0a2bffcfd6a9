using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Data;
using RocRouting.Hosting;

namespace RocRouting.Api.Audit;

public sealed record AuditEntryView(long Id, DateTimeOffset At, string Sub, string Role, string? Organisation, string Action, Guid? CaseId, string Outcome);

public sealed record AuditFilter(Guid? CaseId, string? Subject, DateTimeOffset? From, DateTimeOffset? To);

public sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, string? Next);

public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/v1/audit").WithTags("Audit")
            .MapGet("/", GetAsync)
            .RequireAuthorization(Policies.Auditor)
            .Produces<AuditPage>()
            .ProducesValidationProblem()
            .WithName("GetAuditTrail");
        return routes;
    }

    /// <summary>The audit trail, newest first, filtered by case, subject and time; <c>next</c> continues further back.</summary>
    internal static async Task<IResult> GetAsync(
        string? caseId, string? sub, string? from, string? to, string? limit, string? next,
        ClaimsPrincipal user, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var take = QueryValues.Int(limit, "limit", 100, 1, 1000, errors);
        var caseIdValue = QueryValues.Guid(caseId, "caseId", errors);
        var fromValue = QueryValues.Instant(from, "from", errors);
        var toValue = QueryValues.Instant(to, "to", errors);
        long before = long.MaxValue;
        if (next is not null && !long.TryParse(next, NumberStyles.None, CultureInfo.InvariantCulture, out before))
        {
            errors["next"] = ["is not a cursor this service issued"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var items = await ReadPageAsync(db, new AuditFilter(caseIdValue, sub, fromValue, toValue), before, take + 1, Actor.From(user), time.GetUtcNow(), cancellationToken);
        var page = items.Take(take).ToList();
        return TypedResults.Ok(new AuditPage(page, items.Count > take ? page[^1].Id.ToString(CultureInfo.InvariantCulture) : null));
    }

    /// <summary>
    /// Entries older than <paramref name="before"/>, newest first, for the API and the console alike.
    /// Reading the trail is itself on the trail.
    /// </summary>
    public static async Task<List<AuditEntryView>> ReadPageAsync(
        RocDbContext db, AuditFilter filter, long before, int take, Actor reader, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = db.AuditEntries.AsNoTracking().Where(a => a.Id < before);
        if (filter.CaseId is { } caseId)
        {
            query = query.Where(a => a.CaseId == caseId);
        }
        if (filter.Subject is { } subject)
        {
            query = query.Where(a => a.Subject == subject);
        }
        if (filter.From is { } from)
        {
            query = query.Where(a => a.At >= from);
        }
        if (filter.To is { } to)
        {
            query = query.Where(a => a.At < to);
        }
        var rows = await query.OrderByDescending(a => a.Id).Take(take).ToListAsync(cancellationToken);
        db.Audit(reader, AuditActions.AuditRead, filter.CaseId, now);
        await db.SaveChangesAsync(cancellationToken);
        return [.. rows.Select(a => new AuditEntryView(a.Id, a.At, a.Subject, a.Role, a.Organisation, a.Action, a.CaseId, a.Outcome))];
    }
}
