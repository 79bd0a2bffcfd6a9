using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>An SMS's gateway id and delivery, from the gateway's delivery report.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261202140000_SmsDeliveryReports")]
public sealed class SmsDeliveryReports : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        ALTER TABLE notifications ADD COLUMN gateway_id character varying(100);
        ALTER TABLE notifications ADD COLUMN delivered_at timestamp with time zone;
        CREATE INDEX ix_notifications_gateway_id ON notifications (gateway_id) WHERE gateway_id IS NOT NULL;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP INDEX ix_notifications_gateway_id;
        ALTER TABLE notifications DROP COLUMN delivered_at;
        ALTER TABLE notifications DROP COLUMN gateway_id;
        """);
}
