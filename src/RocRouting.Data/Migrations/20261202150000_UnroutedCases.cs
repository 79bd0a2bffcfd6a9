using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>The cases not yet routed, for the sweeper that routes those stuck after a fault.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261202150000_UnroutedCases")]
public sealed class UnroutedCases : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        CREATE INDEX ix_cases_submitted_at ON cases (submitted_at) WHERE status = 'submitted';
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP INDEX ix_cases_submitted_at;
        """);
}
