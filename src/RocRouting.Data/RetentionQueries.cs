using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;

namespace RocRouting.Data;

public static class RetentionQueries
{
    /// <summary>
    /// Erases the personal data of cases closed before <paramref name="closedBefore"/>, and of cases
    /// never closed and submitted before <paramref name="openSubmittedBefore"/> (an abandoned case
    /// must not keep a child's identity number forever): identity number and its keyed hash, birth
    /// date, summary, officer id and phone, police reference, acknowledgement notes and handover
    /// reasons. What stays (municipalities, urgency, category, times, route, timeline) is pseudonymous
    /// and keeps the statistics. One statement (every expired case it can lock at once, none twice), with an audit
    /// entry per erased case; returns how many cases were erased and how many of them were still open.
    /// A case another transaction holds at that moment is left to the next round: waiting for it could
    /// deadlock with a writer that locks several cases in another order (the routing writer's batches).
    /// </summary>
    public static async Task<(int Erased, int StillOpen)> ErasePersonalDataAsync(
        this RocDbContext db, DateTimeOffset closedBefore, DateTimeOffset openSubmittedBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var worker = Actor.Worker;
        // Not composed (ToListAsync, not SingleAsync): a data-modifying WITH must stay at the top level.
        var counts = (await db.Database.SqlQuery<ErasureCounts>($"""
            WITH expired AS (
                SELECT id FROM cases
                WHERE personal_data_erased_at IS NULL
                  AND (closed_at < {closedBefore} OR (closed_at IS NULL AND submitted_at < {openSubmittedBefore}))
                FOR UPDATE SKIP LOCKED),
            erased AS (
                UPDATE cases AS c
                SET sealed_personal_identity_number = NULL, child_key = NULL, sealed_birth_date = NULL, sealed_summary = NULL,
                    reported_by_officer_id = 'erased', reported_by_phone = NULL, police_reference = NULL,
                    personal_data_erased_at = {now}
                FROM expired WHERE c.id = expired.id
                RETURNING c.id, c.closed_at IS NULL AS open),
            notes AS (
                UPDATE case_acknowledgements SET sealed_note = NULL WHERE case_id IN (SELECT id FROM erased)),
            reasons AS (
                UPDATE case_routes SET sealed_handover_note = NULL WHERE case_id IN (SELECT id FROM erased) AND sealed_handover_note IS NOT NULL),
            audit AS (
                INSERT INTO audit_entries (at, subject, role, action, case_id, outcome)
                SELECT {now}, {worker.Subject}, {worker.Role}, {AuditActions.CaseErase}, id, {AuditTrail.Ok} FROM erased)
            SELECT count(*)::int AS "Erased", (count(*) FILTER (WHERE open))::int AS "StillOpen" FROM erased
            """).ToListAsync(cancellationToken)).Single();
        return (counts.Erased, counts.StillOpen);
    }

    private sealed class ErasureCounts
    {
        public int Erased { get; init; }

        public int StillOpen { get; init; }
    }
}
