using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
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
        Guid? caseId, string? sub, DateTimeOffset? from, DateTimeOffset? to, int? limit, string? next,
        ClaimsPrincipal user, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var take = limit ?? 100;
        var errors = new Dictionary<string, string[]>();
        if (take is < 1 or > 1000)
        {
            errors["limit"] = ["must be between 1 and 1000"];
        }
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
        if (caseId is not null)
        {
            query = query.Where(a => a.CaseId == caseId);
        }
        if (sub is not null)
        {
            query = query.Where(a => a.Subject == sub);
        }
        if (from is not null)
        {
            query = query.Where(a => a.At >= from.Value.ToUniversalTime());
        }
        if (to is not null)
        {
            query = query.Where(a => a.At < to.Value.ToUniversalTime());
        }
        var rows = await query.OrderByDescending(a => a.Id).Take(take + 1).ToListAsync(cancellationToken);
        // Reading the trail is itself on the trail.
        db.Audit(Actor.From(user), "audit.read", caseId, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        var items = rows.Take(take).Select(a => new AuditEntryView(a.Id, a.At, a.Subject, a.Role, a.Organisation, a.Action, a.CaseId, a.Outcome)).ToList();
        return TypedResults.Ok(new AuditPage(items, rows.Count > take ? items[^1].Id.ToString(CultureInfo.InvariantCulture) : null));
    }
}
