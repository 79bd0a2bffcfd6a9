using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>An audit entry records every role of the token that acted, not only the first.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261202060000_AuditRoles")]
public sealed class AuditRoles : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        ALTER TABLE audit_entries ALTER COLUMN role TYPE character varying(200);
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        ALTER TABLE audit_entries ALTER COLUMN role TYPE character varying(32);
        """);
}
