using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Data;

/// <summary>
/// Runs the hot path once at start-up, the real transitions and the real queries, inside a
/// transaction that is rolled back, so the first real case does not pay for EF Core's model, query
/// and update pipeline compilation (about a second on a cold process). Nothing is left behind.
/// </summary>
public static class DataWarmUp
{
    private const string Marker = "warm-up";

    public static async Task RunAsync(RocDbContext db, RoutingConfiguration config, WebhookDirectory webhooks, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var id = Guid.CreateVersion7(now);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var @case = new ChildCase
        {
            Id = id,
            Urgency = Urgency.Urgent,
            Category = CaseCategory.Other,
            HomeMunicipalityCode = config.Participants.FirstOrDefault(),
            FoundInMunicipalityCode = "0180",
            ReportedByOfficerId = Marker,
            ReportedByUnit = Marker,
            SubmittedBy = Marker,
            SubmittedByUnit = Marker,
            IdempotencyKey = id.ToString(),
            RequestHash = [],
        };
        CaseLifecycle.Submit(db, @case, Actor.Worker, now);
        await db.SaveChangesAsync(cancellationToken);
        await db.FindByIdempotencyKeyAsync(Marker, id.ToString(), cancellationToken);

        var toRoute = await db.CasesToRouteAsync([id], cancellationToken);
        CaseLifecycle.Route(db, toRoute[id], config, webhooks, now, traceParent: null);
        await db.SaveChangesAsync(cancellationToken);
        await db.ReadCaseAsync(id, cancellationToken);

        await transaction.RollbackAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }
}
