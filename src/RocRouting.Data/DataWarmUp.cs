using Microsoft.EntityFrameworkCore;
using RocRouting.Contracts;

namespace RocRouting.Data;

/// <summary>
/// Runs the shapes of the hot path once at start-up inside a transaction that is rolled back, so
/// the first real case does not pay for EF Core's model, query and update pipeline compilation
/// (about a second on a cold process). Nothing is left behind.
/// </summary>
public static class DataWarmUp
{
    public static async Task RunAsync(RocDbContext db, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var id = Guid.CreateVersion7(now);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var @case = new ChildCase
        {
            Id = id,
            FoundInMunicipalityCode = "0180",
            ReportedByOfficerId = "warm-up",
            ReportedByUnit = "warm-up",
            SubmittedBy = "warm-up",
            SubmittedByUnit = "warm-up",
            IdempotencyKey = id.ToString(),
            RequestHash = [],
            SubmittedAt = now,
        };
        @case.Events.Add(new CaseEvent { CaseId = id, Kind = CaseEventKind.Submitted, At = now });
        var route = new CaseRoute { CaseId = id, Sequence = 1, RuleId = "warm-up", Reason = "warm-up", ConfigurationVersion = "warm-up", DecidedAt = now, AcknowledgeBy = now, RecipientServiceId = "warm-up" };
        route.Signals.Add(new Signal { Id = Guid.NewGuid(), CaseId = id, MunicipalityCode = "0180", DueAt = now });
        @case.Routes.Add(route);
        db.Cases.Add(@case);
        db.Enqueue(new CaseRouted { CaseId = id, Urgency = Urgency.Routine, Recipient = Recipient.SocialEmergencyService("warm-up"), RuleId = "warm-up", AcknowledgeBy = now, DecidedAt = now, ConfigurationVersion = "warm-up" }, id, now);
        await db.SaveChangesAsync(cancellationToken);

        await db.Cases.AsNoTracking().SingleOrDefaultAsync(c => c.SubmittedBy == "warm-up" && c.IdempotencyKey == "warm-up", cancellationToken);
        await db.CaseRoutes.AnyAsync(r => r.CaseId == id && r.Sequence == 1, cancellationToken);
        await db.Cases.AsNoTracking()
            .Include(c => c.Events.OrderBy(e => e.At).ThenBy(e => e.Id))
            .Include(c => c.Routes.OrderBy(r => r.Sequence)).ThenInclude(r => r.Signals)
            .AsSplitQuery()
            .SingleOrDefaultAsync(c => c.Id == id, cancellationToken);

        await transaction.RollbackAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }
}
