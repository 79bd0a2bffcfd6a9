using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// Timeline events carry their transaction id, so that the consoles' live feed reads them in commit
/// order without a gap (as the inbox does). Existing rows get 0 (older than any cursor) instead of a
/// rewrite of the table.
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261202080000_CaseEventFeed")]
public sealed class CaseEventFeed : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        ALTER TABLE case_events ADD COLUMN tx_id bigint NOT NULL DEFAULT 0;
        ALTER TABLE case_events ALTER COLUMN tx_id SET DEFAULT ((pg_current_xact_id()::text)::bigint);
        CREATE INDEX ix_case_events_tx_id_id ON case_events (tx_id, id);
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP INDEX ix_case_events_tx_id_id;
        ALTER TABLE case_events DROP COLUMN tx_id;
        """);
}
