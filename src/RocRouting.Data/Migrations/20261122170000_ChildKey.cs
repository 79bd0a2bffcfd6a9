using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>A keyed hash of the child's identity number, to find earlier cases about the same child.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261122170000_ChildKey")]
public sealed class ChildKey : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        ALTER TABLE cases ADD COLUMN child_key bytea;
        CREATE INDEX ix_cases_child_key ON cases (child_key);
        """);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("ALTER TABLE cases DROP COLUMN child_key;");
}
