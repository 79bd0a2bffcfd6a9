using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Data;

/// <summary>
/// Runs the hot path once at start-up, the real transitions and the real queries, inside a
/// transaction that is rolled back, so the first real case does not pay for EF Core's model, query
/// and update pipeline compilation (about a second on a cold process) nor for the statements of the
/// intake's and the routing's <see cref="RowBatch"/>. Nothing is left behind.
/// </summary>
public static class DataWarmUp
{
    private const string Marker = "warm-up";

    public static async Task RunAsync(RocDbContext db, RowWriter rows, RoutingConfiguration config, WebhookDirectory webhooks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var now = DateTimeOffset.UtcNow;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // The DbContext's update pipeline, for every transition but the two below.
        var id = Guid.CreateVersion7(now);
        CaseLifecycle.Submit(db, NewCase(id, config), Actor.Worker, now);
        await db.SaveChangesAsync(cancellationToken);
        await db.FindByIdempotencyKeyAsync(Marker, id.ToString(), cancellationToken);
        var tracked = await db.Cases.FindAsync([id], cancellationToken);
        CaseLifecycle.Route(db, tracked!, config, webhooks, now, traceParent: null);
        await db.SaveChangesAsync(cancellationToken);
        await db.ReadCaseAsync(id, cancellationToken);

        // The intake's and the routing writer's batches.
        id = Guid.CreateVersion7(now);
        var submit = rows.Begin();
        var submitted = NewCase(id, config);
        CaseLifecycle.Submit(submit, submitted, Actor.Worker, now);
        await submit.SaveWithinAsync(db, cancellationToken);
        // The router reads a case only for a redelivered message; a first delivery is decided from its facts.
        await db.CasesByIdAsync([id], cancellationToken);
        var route = rows.Begin();
        var described = CaseLifecycle.AsSubmitted(CaseLifecycle.Submitted(submitted));
        route.Attach(described);
        CaseLifecycle.Route(route, described, config, webhooks, now, traceParent: null);
        await route.SaveWithinAsync(db, cancellationToken);

        await transaction.RollbackAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    private static ChildCase NewCase(Guid id, RoutingConfiguration config) => new()
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
}
