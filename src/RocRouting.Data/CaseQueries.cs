using System.Data;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data.Configurations;
using RocRouting.Data.Outbox;

namespace RocRouting.Data;

/// <summary>
/// A case as a queue lists it: what staff decide the order of their work by, and nothing personal (a
/// queue of 200 cases need not read and carry 200 sealed identity numbers and summaries).
/// </summary>
public sealed record QueueRow(
    Guid Id,
    Urgency Urgency,
    CaseCategory Category,
    CaseStatus Status,
    bool Escalated,
    DateTimeOffset? AcknowledgeBy,
    DateTimeOffset? AcknowledgedAt,
    string? HomeMunicipalityCode,
    string FoundInMunicipalityCode,
    DateTimeOffset SubmittedAt,
    string? PoliceReference);

/// <summary>
/// How the adapters load what a transition needs, and the service's other reads. The SQL the
/// service writes by hand lives here and in the outbox, nowhere else.
/// </summary>
public static class CaseQueries
{
    /// <summary>Loads a case and locks its row until the transaction ends, so an acknowledgement and a deadline cannot both win.</summary>
    public static Task<ChildCase?> LockCaseAsync(this RocDbContext db, Guid caseId, CancellationToken cancellationToken) =>
        db.Cases.FromSql($"SELECT * FROM cases WHERE id = {caseId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);

    /// <summary>Locks a case for a staff action, with what the access rules and the transition look at: its routes and acknowledgements.</summary>
    public static async Task<ChildCase?> LockCaseForActionAsync(this RocDbContext db, Guid caseId, CancellationToken cancellationToken)
    {
        var @case = await db.LockCaseAsync(caseId, cancellationToken);
        if (@case is not null)
        {
            await db.Entry(@case).Collection(c => c.Routes).LoadAsync(cancellationToken);
            await db.Entry(@case).Collection(c => c.Acknowledgements).LoadAsync(cancellationToken);
        }
        return @case;
    }

    /// <summary>Cases submitted before <paramref name="before"/> and still not routed, oldest first (a partial index holds only these).</summary>
    public static Task<List<ChildCase>> UnroutedCasesAsync(this RocDbContext db, DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        db.Cases.AsNoTracking().Where(c => c.Status == CaseStatus.Submitted && c.SubmittedAt < before)
            .OrderBy(c => c.SubmittedAt).Take(limit).ToListAsync(cancellationToken);

    /// <summary>
    /// Cases by id, untracked (the routing writer attaches them to its <see cref="RowBatch"/>; the
    /// notification sender reads a round's cases). Compiled once: both run per case at moderate rates,
    /// where building and looking up the LINQ query cost more than running it (README, Performance).
    /// </summary>
    public static ValueTask<Dictionary<Guid, ChildCase>> CasesByIdAsync(this RocDbContext db, Guid[] ids, CancellationToken cancellationToken) =>
        CasesById(db, ids).ToDictionaryAsync(c => c.Id, cancellationToken: cancellationToken);

    private static readonly Func<RocDbContext, Guid[], IAsyncEnumerable<ChildCase>> CasesById =
        EF.CompileAsyncQuery((RocDbContext db, Guid[] ids) => db.Cases.AsNoTracking().Where(c => ids.Contains(c.Id)));

    /// <summary>
    /// The case with its timeline, routes and acknowledgements, untracked. The split queries run in one
    /// repeatable-read snapshot: otherwise a re-route committing between them would show the new
    /// route beside the old status.
    /// </summary>
    public static async Task<ChildCase?> ReadCaseAsync(this RocDbContext db, Guid caseId, CancellationToken cancellationToken)
    {
        var ownTransaction = db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken)
            : null;
        await using (ownTransaction)
        {
            return await db.Cases.AsNoTracking()
                .Include(c => c.Events.OrderBy(e => e.At).ThenBy(e => e.Id))
                .Include(c => c.Routes.OrderBy(r => r.Sequence)).ThenInclude(r => r.Signals)
                .Include(c => c.Acknowledgements)
                .AsSplitQuery()
                .SingleOrDefaultAsync(c => c.Id == caseId, cancellationToken);
        }
    }

    /// <summary>
    /// The cases about the same child (by the keyed hash of the identity number) submitted before
    /// <paramref name="case"/>, newest first, that <paramref name="reader"/> may open: listing others would
    /// tell one organisation of another's cases. The child's index holds them in that order, so a page of
    /// them costs as much for a child with many cases as for one with a few.
    /// </summary>
    public static IQueryable<ChildCase> EarlierCases(this RocDbContext db, byte[] childKey, ChildCase @case, CaseReader reader)
    {
        ArgumentNullException.ThrowIfNull(@case);
        return db.Cases.AsNoTracking()
            .Where(c => c.ChildKey == childKey && c.Id != @case.Id && c.SubmittedAt < @case.SubmittedAt)
            .Where(CaseAccess.ReadableBy(reader))
            .OrderByDescending(c => c.SubmittedAt);
    }

    /// <summary>A submission already stored under this caller's idempotency key.</summary>
    public static Task<ChildCase?> FindByIdempotencyKeyAsync(this RocDbContext db, string subject, string key, CancellationToken cancellationToken) =>
        db.Cases.AsNoTracking().SingleOrDefaultAsync(c => c.SubmittedBy == subject && c.IdempotencyKey == key, cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> deadlines due at <paramref name="now"/> (FOR UPDATE SKIP LOCKED:
    /// each fires once whatever the number of watchers), oldest first, tracked so marking one fired is saved.
    /// </summary>
    public static Task<List<Deadline>> ClaimDueDeadlinesAsync(this RocDbContext db, DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        db.Deadlines.FromSql($"""
            SELECT * FROM case_deadlines
            WHERE fired_at IS NULL AND due_at <= {now}
            ORDER BY due_at
            LIMIT {limit}
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);

    /// <summary>
    /// Leases up to <paramref name="limit"/> due deliveries until <paramref name="leaseUntil"/>, counting
    /// the attempt; a delivery whose lease ran out (its worker died mid-send) is due again.
    /// </summary>
    public static Task<List<Delivery>> LeaseDueDeliveriesAsync(
        this RocDbContext db, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken) =>
        db.Deliveries.FromSql($"""
            UPDATE deliveries SET lease_until = {leaseUntil}, attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM deliveries
                WHERE state = 'pending' AND next_attempt_at <= {now} AND (lease_until IS NULL OR lease_until < {now})
                ORDER BY next_attempt_at
                LIMIT {limit}
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);

    /// <summary>A delivery locked for an operator's retry, so it cannot be recorded delivered meanwhile.</summary>
    public static Task<Delivery?> LockDeliveryAsync(this RocDbContext db, Guid id, CancellationToken cancellationToken) =>
        db.Deliveries.FromSql($"SELECT * FROM deliveries WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);

    /// <summary>
    /// The open cases with an organisation now, most urgent first, then those not yet taken, then the
    /// nearest deadline: the order in which staff should look at them.
    /// </summary>
    public static Task<List<QueueRow>> QueueAsync(
        this RocDbContext db, Recipient organisation, IReadOnlyCollection<CaseStatus> statuses, IReadOnlyCollection<Urgency> urgencies,
        int skip, int take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        var query = db.Cases.AsNoTracking().Where(c => c.ClosedAt == null && c.RecipientKind == organisation.Kind);
        query = organisation.Kind == RecipientKind.HomeMunicipality
            ? query.Where(c => c.RecipientMunicipalityCode == organisation.MunicipalityCode)
            : query.Where(c => c.RecipientServiceId == organisation.ServiceId);
        if (statuses.Count > 0)
        {
            query = query.Where(c => statuses.Contains(c.Status));
        }
        if (urgencies.Count > 0)
        {
            query = query.Where(c => urgencies.Contains(c.Urgency));
        }
        // In the order of the recipient's queue index (CaseConfiguration.QueueRank): a page is read, not sorted.
        return query
            .OrderBy(c => EF.Property<short>(c, CaseConfiguration.QueueRank))
            .ThenBy(c => c.AcknowledgeBy)
            .ThenBy(c => c.Id)
            .Skip(skip)
            .Take(take)
            .Select(c => new QueueRow(
                c.Id, c.Urgency, c.Category, c.Status, c.Escalated, c.AcknowledgeBy, c.AcknowledgedAt,
                c.HomeMunicipalityCode, c.FoundInMunicipalityCode, c.SubmittedAt, c.PoliceReference))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// A page of a recipient's inbox. Without <paramref name="after"/>: the newest first. With it:
    /// everything since, oldest first. Items are ordered by the id of the transaction that wrote them
    /// and shown only once every older transaction has ended (the snapshot's xmin), so an item
    /// committed late can never fall behind a cursor.
    /// </summary>
    public static Task<List<InboxItem>> InboxPageAsync(
        this RocDbContext db, Recipient recipient, (long Tx, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var visible = after is not { } cursor
            ? db.InboxItems.FromSql($"""
                SELECT * FROM inbox_items
                WHERE tx_id < (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint
                """)
            : db.InboxItems.FromSql($"""
                SELECT * FROM inbox_items
                WHERE (tx_id, id) > ({cursor.Tx}, {cursor.Id})
                  AND tx_id < (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint
                """);
        // Equality on the recipient's own column, so the (column, tx_id, id) index answers the page in
        // order (its rows without that column are not in it).
        var mine = visible.Where(i => i.RecipientKind == recipient.Kind);
        mine = recipient.Kind == RecipientKind.HomeMunicipality
            ? mine.Where(i => i.RecipientMunicipalityCode == recipient.MunicipalityCode)
            : mine.Where(i => i.RecipientServiceId == recipient.ServiceId);
        var ordered = after is null
            ? mine.OrderByDescending(i => i.TxId).ThenByDescending(i => i.Id)
            : mine.OrderBy(i => i.TxId).ThenBy(i => i.Id);
        return ordered.Take(limit).AsNoTracking().ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Timeline events committed after <paramref name="after"/>, in commit order, only below the
    /// snapshot's xmin: an event whose transaction is still open cannot be skipped by a later one
    /// that commits first. The consoles' live feed reads with it.
    /// </summary>
    public static Task<List<CaseEvent>> CaseEventsAfterAsync(this RocDbContext db, (long Tx, long Id) after, int limit, CancellationToken cancellationToken) =>
        db.CaseEvents.FromSql($"""
            SELECT * FROM case_events
            WHERE (tx_id, id) > ({after.Tx}, {after.Id})
              AND tx_id < (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint
            ORDER BY tx_id, id
            LIMIT {limit}
            """).AsNoTracking().ToListAsync(cancellationToken);

    /// <summary>A cursor before every event not yet visible and after every one that is: where a new feed starts.</summary>
    public static async Task<(long Tx, long Id)> CaseEventHorizonAsync(this RocDbContext db, CancellationToken cancellationToken)
    {
        var xmin = await db.Database.SqlQuery<long>($"SELECT (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint AS \"Value\"")
            .SingleAsync(cancellationToken);
        return (xmin - 1, long.MaxValue);
    }

    /// <summary>Cases with what the read rule looks at (routes and their signals), for deciding who may hear of their events.</summary>
    public static Task<List<ChildCase>> CasesForAccessAsync(this RocDbContext db, IReadOnlyCollection<Guid> caseIds, CancellationToken cancellationToken) =>
        db.Cases.AsNoTracking()
            .Where(c => caseIds.Contains(c.Id))
            .Include(c => c.Routes).ThenInclude(r => r.Signals)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> due outbox rows, oldest first, by moving their next attempt
    /// <paramref name="lease"/> ahead; one statement, committed at once.
    /// </summary>
    public static Task<List<OutboxMessage>> ClaimOutboxAsync(this RocDbContext db, TimeSpan lease, int limit, CancellationToken cancellationToken)
    {
        var seconds = lease.TotalSeconds;
        return db.OutboxMessages.FromSql($"""
            UPDATE outbox_messages SET next_attempt_at = now() + make_interval(secs => {seconds})
            WHERE id IN (
                SELECT id FROM outbox_messages
                WHERE dispatched_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                ORDER BY created_at
                LIMIT {limit}
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
    }

    public static Task MarkOutboxDispatchedAsync(this RocDbContext db, Guid[] ids, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"UPDATE outbox_messages SET dispatched_at = now() WHERE id = ANY({ids})", cancellationToken);

    public static Task RescheduleOutboxAsync(this RocDbContext db, Guid id, string error, TimeSpan delay, CancellationToken cancellationToken)
    {
        var seconds = delay.TotalSeconds;
        return db.Database.ExecuteSqlAsync($"""
            UPDATE outbox_messages
            SET attempts = attempts + 1, last_error = {error}, next_attempt_at = now() + make_interval(secs => {seconds})
            WHERE id = {id}
            """, cancellationToken);
    }
}
