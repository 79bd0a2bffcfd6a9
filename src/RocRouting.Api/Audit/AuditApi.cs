using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Data;
using RocRouting.Hosting;

namespace RocRouting.Api.Audit;

public sealed record AuditEntryView(long Id, DateTimeOffset At, string Sub, string Role, string? Organisation, string Action, Guid? CaseId, string Outcome);

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

        var query = db.AuditEntries.AsNoTracking().Where(a => a.Id < before);
        if (caseIdValue is not null)
        {
            query = query.Where(a => a.CaseId == caseIdValue);
        }
        if (sub is not null)
        {
            query = query.Where(a => a.Subject == sub);
        }
        if (fromValue is { } fromUtc)
        {
            query = query.Where(a => a.At >= fromUtc);
        }
        if (toValue is { } toUtc)
        {
            query = query.Where(a => a.At < toUtc);
        }
        var rows = await query.OrderByDescending(a => a.Id).Take(take + 1).ToListAsync(cancellationToken);
        // Reading the trail is itself on the trail.
        db.Audit(Actor.From(user), AuditActions.AuditRead, caseIdValue, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        var items = rows.Take(take).Select(a => new AuditEntryView(a.Id, a.At, a.Subject, a.Role, a.Organisation, a.Action, a.CaseId, a.Outcome)).ToList();
        return TypedResults.Ok(new AuditPage(items, rows.Count > take ? items[^1].Id.ToString(CultureInfo.InvariantCulture) : null));
    }
}
