using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>The people reached about a case: one row per case, step, person and channel.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261202120000_Notifications")]
public sealed class Notifications : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        CREATE TABLE notifications (
            id uuid NOT NULL,
            case_id uuid NOT NULL,
            step character varying(64) NOT NULL,
            route_sequence integer NOT NULL,
            organisation character varying(100) NOT NULL,
            person character varying(200) NOT NULL,
            channel character varying(16) NOT NULL,
            state character varying(16) NOT NULL,
            attempts integer NOT NULL,
            next_attempt_at timestamp with time zone NOT NULL,
            lease_until timestamp with time zone,
            last_error character varying(500),
            created_at timestamp with time zone NOT NULL,
            sent_at timestamp with time zone,
            CONSTRAINT pk_notifications PRIMARY KEY (id),
            CONSTRAINT fk_notifications_cases_case_id FOREIGN KEY (case_id) REFERENCES cases (id) ON DELETE CASCADE);
        CREATE UNIQUE INDEX ix_notifications_case_id_step_person_channel ON notifications (case_id, step, person, channel);
        CREATE INDEX ix_notifications_due ON notifications (next_attempt_at) WHERE state = 'pending';
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("DROP TABLE notifications;");
}
