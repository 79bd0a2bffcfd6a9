using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// The audit trail is read newest first by time, then id, so each of its filters gets an index in that
/// order. In id order, an old time window was found by walking the primary key back past every newer
/// entry. Built concurrently beside the old indexes (the intake writes an entry for every case, and a
/// long trail takes a while to index); a build a failed run left half done is dropped and built again.
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261207120000_AuditTrailInTimeOrder")]
public sealed class AuditTrailInTimeOrder : Migration
{
    private static readonly (string Old, string OldColumns, string New, string NewColumns)[] Indexes =
    [
        ("ix_audit_entries_at", "at", "ix_audit_entries_at_id", "at, id"),
        ("ix_audit_entries_case_id_id", "case_id, id", "ix_audit_entries_case_id_at_id", "case_id, at, id"),
        ("ix_audit_entries_subject_id", "subject, id", "ix_audit_entries_subject_at_id", "subject, at, id"),
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        foreach (var (old, _, created, columns) in Indexes)
        {
            Replace(migrationBuilder, old, created, columns);
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var (old, oldColumns, created, _) in Indexes)
        {
            Replace(migrationBuilder, created, old, oldColumns);
        }
    }

    private static void Replace(MigrationBuilder migrationBuilder, string old, string created, string columns)
    {
        migrationBuilder.Sql($"DROP INDEX CONCURRENTLY IF EXISTS {created};", suppressTransaction: true);
        migrationBuilder.Sql($"CREATE INDEX CONCURRENTLY {created} ON audit_entries ({columns});", suppressTransaction: true);
        migrationBuilder.Sql($"DROP INDEX CONCURRENTLY IF EXISTS {old};", suppressTransaction: true);
    }
}
