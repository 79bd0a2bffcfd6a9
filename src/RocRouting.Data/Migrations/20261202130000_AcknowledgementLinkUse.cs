using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>A notification's acknowledgement link (and SMS code) works once: when it was used.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261202130000_AcknowledgementLinkUse")]
public sealed class AcknowledgementLinkUse : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("ALTER TABLE notifications ADD COLUMN link_used_at timestamp with time zone;");

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("ALTER TABLE notifications DROP COLUMN link_used_at;");
}
