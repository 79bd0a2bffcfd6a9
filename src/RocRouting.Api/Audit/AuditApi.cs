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

/// <summary>
/// Where a page of the trail ends: the trail is read newest first by time, then id (entries of one
/// microsecond are told apart by id). As text, the instant's microseconds since 1970 and the id.
/// </summary>
public readonly record struct AuditCursor(DateTimeOffset At, long Id)
{
    private static readonly long MaxMicroseconds = (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static AuditCursor After(AuditEntryView entry) => new(entry.At, entry.Id);

    public override string ToString() => DottedCursor.Format((At.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10, Id);

    public static bool TryParse(string text, out AuditCursor cursor)
    {
        var ok = DottedCursor.TryParse(text, out var micro, out var id) && micro <= MaxMicroseconds;
        cursor = ok ? new AuditCursor(DateTimeOffset.UnixEpoch.AddTicks(micro * 10), id) : default;
        return ok;
    }
}

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
        AuditCursor? before = null;
        if (next is not null)
        {
            if (AuditCursor.TryParse(next, out var cursor))
            {
                before = cursor;
            }
            else
            {
                errors["next"] = ["is not a cursor this service issued"];
            }
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var items = await ReadPageAsync(db, new AuditFilter(caseIdValue, sub, fromValue, toValue), before, take + 1, Actor.From(user), time.GetUtcNow(), cancellationToken);
        var page = items.Take(take).ToList();
        return TypedResults.Ok(new AuditPage(page, items.Count > take ? AuditCursor.After(page[^1]).ToString() : null));
    }

    /// <summary>
    /// Entries after <paramref name="before"/> in the trail's order (newest first by time, then id), for
    /// the API and the console alike. Reading the trail is itself on the trail.
    /// <para>In time order, not id order, so that every filter reads its first rows from an index in the
    /// page's order, however old the window: in id order PostgreSQL walked the primary key back past
    /// every newer entry to reach an old window (README, Security; performance journal, S31).</para>
    /// </summary>
    public static async Task<List<AuditEntryView>> ReadPageAsync(
        RocDbContext db, AuditFilter filter, AuditCursor? before, int take, Actor reader, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = db.AuditEntries.AsNoTracking();
        if (before is { } cursor)
        {
            query = query.Where(a => EF.Functions.LessThan(ValueTuple.Create(a.At, a.Id), ValueTuple.Create(cursor.At, cursor.Id)));
        }
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
        var rows = await query.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(take).ToListAsync(cancellationToken);
        db.Audit(reader, AuditActions.AuditRead, filter.CaseId, now);
        await db.SaveChangesAsync(cancellationToken);
        return [.. rows.Select(a => new AuditEntryView(a.Id, a.At, a.Subject, a.Role, a.Organisation, a.Action, a.CaseId, a.Outcome))];
    }
}
