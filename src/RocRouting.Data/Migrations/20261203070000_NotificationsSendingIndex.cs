using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>The notifications an SMS gateway had when their worker died: found by index, not by reading them all.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261203070000_NotificationsSendingIndex")]
public sealed class NotificationsSendingIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        CREATE INDEX ix_notifications_sending ON notifications (lease_until) WHERE state = 'sending';
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP INDEX ix_notifications_sending;
        """);
}
