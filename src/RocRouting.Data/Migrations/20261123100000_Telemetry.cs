using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// Deadlines and deliveries remember the trace that created them, so the work they cause later
/// continues the case's trace; worker instances report their heartbeat and deadline rounds.
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261123100000_Telemetry")]
public sealed class Telemetry : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        ALTER TABLE case_deadlines ADD COLUMN trace_parent character varying(128);
        ALTER TABLE deliveries ADD COLUMN trace_parent character varying(128);
        CREATE TABLE worker_status (
            instance character varying(128) NOT NULL,
            heartbeat_returned_at timestamp with time zone,
            deadlines_checked_at timestamp with time zone,
            seen_at timestamp with time zone NOT NULL,
            CONSTRAINT pk_worker_status PRIMARY KEY (instance)
        );
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP TABLE worker_status;
        ALTER TABLE deliveries DROP COLUMN trace_parent;
        ALTER TABLE case_deadlines DROP COLUMN trace_parent;
        """);
}
