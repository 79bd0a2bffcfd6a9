using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>Retention: when a closed case's personal data was erased.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261122160000_Retention")]
public sealed class Retention : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("ALTER TABLE cases ADD COLUMN personal_data_erased_at timestamp with time zone;");

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("ALTER TABLE cases DROP COLUMN personal_data_erased_at;");
}
