using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// The queues' indexes give a recipient's open cases in the order staff see them (urgency, taken or
/// not, deadline), so a queue page reads its first rows instead of sorting every open case of the
/// recipient: with thousands open, that sort was most of the database's work while consoles listened.
/// Adding the stored column rewrites the cases table once, under its lock; on a table of retained
/// cases that is seconds at most, and intakes wait for it rather than fail.
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261206080000_QueueOrderIndexes")]
public sealed class QueueOrderIndexes : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        ALTER TABLE cases ADD COLUMN queue_rank smallint NOT NULL GENERATED ALWAYS AS (
            (CASE urgency WHEN 'immediate' THEN 0 WHEN 'urgent' THEN 2 ELSE 4 END + CASE WHEN acknowledged_at IS NULL THEN 0 ELSE 1 END)::smallint) STORED;
        DROP INDEX ix_cases_recipient_municipality_code_acknowledge_by;
        DROP INDEX ix_cases_recipient_service_id_acknowledge_by;
        CREATE INDEX ix_cases_queue_municipality ON cases (recipient_municipality_code, queue_rank, acknowledge_by, id)
            WHERE closed_at IS NULL AND recipient_municipality_code IS NOT NULL;
        CREATE INDEX ix_cases_queue_service ON cases (recipient_service_id, queue_rank, acknowledge_by, id)
            WHERE closed_at IS NULL AND recipient_service_id IS NOT NULL;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP INDEX ix_cases_queue_municipality;
        DROP INDEX ix_cases_queue_service;
        ALTER TABLE cases DROP COLUMN queue_rank;
        CREATE INDEX ix_cases_recipient_municipality_code_acknowledge_by ON cases (recipient_municipality_code, acknowledge_by)
            WHERE closed_at IS NULL AND recipient_municipality_code IS NOT NULL;
        CREATE INDEX ix_cases_recipient_service_id_acknowledge_by ON cases (recipient_service_id, acknowledge_by)
            WHERE closed_at IS NULL AND recipient_service_id IS NOT NULL;
        """);
}
