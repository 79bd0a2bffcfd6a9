using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// Free text that can name people is sealed like the summary: acknowledgement notes, and a handover's
/// reason moved out of the route's reason (which every reader of the case sees) into a column of its
/// own; and the child's birth date. Values written before are moved here and sealed by the migrate
/// step right after.
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261203060000_SealedFreeText")]
public sealed class SealedFreeText : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        ALTER TABLE case_acknowledgements RENAME COLUMN note TO sealed_note;
        ALTER TABLE case_acknowledgements ALTER COLUMN sealed_note TYPE text;
        ALTER TABLE case_routes ADD COLUMN sealed_handover_note text;
        ALTER TABLE cases ADD COLUMN sealed_birth_date text;
        UPDATE cases SET sealed_birth_date = to_char(birth_date, 'YYYY-MM-DD') WHERE birth_date IS NOT NULL;
        ALTER TABLE cases DROP COLUMN birth_date;
        UPDATE case_routes
        SET sealed_handover_note = substr(reason, strpos(reason, ': ') + 2), reason = left(reason, strpos(reason, ': ') - 1)
        WHERE rule_id IN ('handover-to-socialjour', 'handover-to-home-municipality') AND strpos(reason, ': ') > 0;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        ALTER TABLE case_routes DROP COLUMN sealed_handover_note;
        ALTER TABLE cases ADD COLUMN birth_date date;
        ALTER TABLE cases DROP COLUMN sealed_birth_date;
        ALTER TABLE case_acknowledgements RENAME COLUMN sealed_note TO note;
        """);
}
