using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;

namespace RocRouting.Data;

public static class RetentionQueries
{
    /// <summary>
    /// Erases the personal data of cases closed before <paramref name="cutoff"/>: identity number and
    /// its keyed hash, birth date, summary, officer id and phone, police reference, acknowledgement
    /// notes. What stays (municipalities, urgency, category, times, route, timeline) is pseudonymous
    /// and keeps the statistics. One statement (every expired case at once, none twice), with an audit
    /// entry per erased case; returns how many.
    /// </summary>
    public static async Task<int> ErasePersonalDataClosedBeforeAsync(this RocDbContext db, DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var worker = Actor.Worker;
        // Not composed (ToListAsync, not SingleAsync): a data-modifying WITH must stay at the top level.
        return (await db.Database.SqlQuery<int>($"""
            WITH erased AS (
                UPDATE cases
                SET sealed_personal_identity_number = NULL, child_key = NULL, birth_date = NULL, sealed_summary = NULL,
                    reported_by_officer_id = 'erased', reported_by_phone = NULL, police_reference = NULL,
                    personal_data_erased_at = {now}
                WHERE closed_at < {cutoff} AND personal_data_erased_at IS NULL
                RETURNING id),
            notes AS (
                UPDATE case_acknowledgements SET note = NULL WHERE case_id IN (SELECT id FROM erased)),
            audit AS (
                INSERT INTO audit_entries (at, subject, role, action, case_id, outcome)
                SELECT {now}, {worker.Subject}, {worker.Role}, {AuditActions.CaseErase}, id, {AuditTrail.Ok} FROM erased)
            SELECT count(*)::int AS "Value" FROM erased
            """).ToListAsync(cancellationToken)).Single();
    }
}
