using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>Acknowledgement, escalation and closure: the case's current recipient and deadline, acknowledgements, durable deadlines.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261122130000_Acknowledgements")]
public sealed class Acknowledgements : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE cases
                ADD COLUMN route_sequence integer NOT NULL DEFAULT 0,
                ADD COLUMN recipient_kind character varying(32),
                ADD COLUMN recipient_municipality_code character(4),
                ADD COLUMN recipient_service_id character varying(64),
                ADD COLUMN acknowledge_by timestamp with time zone,
                ADD COLUMN acknowledged_at timestamp with time zone,
                ADD COLUMN escalated boolean NOT NULL DEFAULT false,
                ADD COLUMN closed_at timestamp with time zone,
                ADD COLUMN outcome character varying(32);
            ALTER TABLE cases ALTER COLUMN route_sequence DROP DEFAULT, ALTER COLUMN escalated DROP DEFAULT;

            -- Cases routed before this migration take their current recipient from their first decision.
            UPDATE cases c SET route_sequence = r.sequence, recipient_kind = r.recipient_kind,
                   recipient_municipality_code = r.recipient_municipality_code,
                   recipient_service_id = r.recipient_service_id, acknowledge_by = r.acknowledge_by
            FROM case_routes r WHERE r.case_id = c.id AND r.sequence = 1;

            CREATE TABLE case_acknowledgements (
                id bigint GENERATED ALWAYS AS IDENTITY,
                case_id uuid NOT NULL,
                route_id bigint NOT NULL,
                organisation character varying(96) NOT NULL,
                subject character varying(128) NOT NULL,
                note character varying(1000),
                acknowledged_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_case_acknowledgements PRIMARY KEY (id),
                CONSTRAINT fk_case_acknowledgements_case_routes_route_id FOREIGN KEY (route_id) REFERENCES case_routes (id) ON DELETE CASCADE,
                CONSTRAINT fk_case_acknowledgements_cases_case_id FOREIGN KEY (case_id) REFERENCES cases (id) ON DELETE CASCADE
            );

            CREATE TABLE case_deadlines (
                id bigint GENERATED ALWAYS AS IDENTITY,
                case_id uuid NOT NULL,
                route_id bigint NOT NULL,
                kind character varying(32) NOT NULL,
                due_at timestamp with time zone NOT NULL,
                fired_at timestamp with time zone,
                CONSTRAINT pk_case_deadlines PRIMARY KEY (id),
                CONSTRAINT fk_case_deadlines_case_routes_route_id FOREIGN KEY (route_id) REFERENCES case_routes (id) ON DELETE CASCADE,
                CONSTRAINT fk_case_deadlines_cases_case_id FOREIGN KEY (case_id) REFERENCES cases (id) ON DELETE CASCADE
            );

            CREATE INDEX ix_case_acknowledgements_case_id ON case_acknowledgements (case_id);
            CREATE UNIQUE INDEX ix_case_acknowledgements_route_id ON case_acknowledgements (route_id);
            CREATE INDEX ix_case_deadlines_case_id ON case_deadlines (case_id);
            CREATE INDEX ix_case_deadlines_pending ON case_deadlines (due_at) WHERE fired_at IS NULL;
            CREATE INDEX ix_case_deadlines_route_id ON case_deadlines (route_id);
            CREATE INDEX ix_cases_recipient_municipality_code_acknowledge_by ON cases (recipient_municipality_code, acknowledge_by) WHERE closed_at IS NULL;
            CREATE INDEX ix_cases_recipient_service_id_acknowledge_by ON cases (recipient_service_id, acknowledge_by) WHERE closed_at IS NULL;

            -- Routed, unacknowledged cases from before this migration get their first deadline.
            INSERT INTO case_deadlines (case_id, route_id, kind, due_at)
            SELECT r.case_id, r.id, 'first-miss', r.acknowledge_by FROM case_routes r WHERE r.sequence = 1;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            DROP TABLE case_deadlines, case_acknowledgements;
            ALTER TABLE cases DROP COLUMN route_sequence, DROP COLUMN recipient_kind, DROP COLUMN recipient_municipality_code,
                DROP COLUMN recipient_service_id, DROP COLUMN acknowledge_by, DROP COLUMN acknowledged_at, DROP COLUMN escalated,
                DROP COLUMN closed_at, DROP COLUMN outcome;
            """);
    }
}
