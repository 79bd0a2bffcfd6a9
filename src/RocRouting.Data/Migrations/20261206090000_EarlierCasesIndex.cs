using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// A child's earlier cases are read newest first, twenty at most: the child's index now holds them in
/// that order, so the case page reads its first rows instead of every case about the child and a sort.
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261206090000_EarlierCasesIndex")]
public sealed class EarlierCasesIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP INDEX ix_cases_child_key;
        CREATE INDEX ix_cases_child_key_submitted_at ON cases (child_key, submitted_at);
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP INDEX ix_cases_child_key_submitted_at;
        CREATE INDEX ix_cases_child_key ON cases (child_key);
        """);
}
