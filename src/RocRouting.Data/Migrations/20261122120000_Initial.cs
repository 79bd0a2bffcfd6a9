using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// Hand-written (EF's design-time package is not served here). The test
/// A_freshly_migrated_database.Matches_the_EF_model keeps this in step with the entity configurations.
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261122120000_Initial")]
public sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE TABLE cases (
                id uuid NOT NULL,
                status character varying(32) NOT NULL,
                urgency character varying(16) NOT NULL,
                category character varying(32) NOT NULL,
                home_municipality_code character(4),
                found_in_municipality_code character(4) NOT NULL,
                personal_identity_number character varying(12),
                birth_date date,
                summary character varying(4000),
                reported_by_officer_id character varying(64) NOT NULL,
                reported_by_unit character varying(64) NOT NULL,
                reported_by_phone character varying(32),
                police_reference character varying(64),
                submitted_by character varying(128) NOT NULL,
                submitted_by_unit character varying(64) NOT NULL,
                idempotency_key character varying(128) NOT NULL,
                request_hash bytea NOT NULL,
                submitted_at timestamp with time zone NOT NULL,
                routed_at timestamp with time zone,
                CONSTRAINT pk_cases PRIMARY KEY (id)
            );
            CREATE TABLE outbox_messages (
                id uuid NOT NULL,
                message_type character varying(256) NOT NULL,
                payload jsonb NOT NULL,
                created_at timestamp with time zone NOT NULL,
                trace_parent character varying(128),
                dispatched_at timestamp with time zone,
                attempts integer NOT NULL,
                next_attempt_at timestamp with time zone,
                last_error character varying(2000),
                CONSTRAINT pk_outbox_messages PRIMARY KEY (id)
            );
            CREATE TABLE case_events (
                id bigint GENERATED ALWAYS AS IDENTITY,
                case_id uuid NOT NULL,
                kind character varying(32) NOT NULL,
                at timestamp with time zone NOT NULL,
                detail character varying(1000),
                CONSTRAINT pk_case_events PRIMARY KEY (id),
                CONSTRAINT fk_case_events_cases_case_id FOREIGN KEY (case_id) REFERENCES cases (id) ON DELETE CASCADE
            );
            CREATE TABLE case_routes (
                id bigint GENERATED ALWAYS AS IDENTITY,
                case_id uuid NOT NULL,
                sequence integer NOT NULL,
                recipient_kind character varying(32) NOT NULL,
                recipient_municipality_code character(4),
                recipient_service_id character varying(64),
                rule_id character varying(64) NOT NULL,
                reason character varying(500) NOT NULL,
                acknowledge_by timestamp with time zone NOT NULL,
                decided_at timestamp with time zone NOT NULL,
                configuration_version character varying(64) NOT NULL,
                CONSTRAINT pk_case_routes PRIMARY KEY (id),
                CONSTRAINT fk_case_routes_cases_case_id FOREIGN KEY (case_id) REFERENCES cases (id) ON DELETE CASCADE
            );
            CREATE TABLE signals (
                id uuid NOT NULL,
                case_id uuid NOT NULL,
                route_id bigint NOT NULL,
                municipality_code character(4) NOT NULL,
                due_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_signals PRIMARY KEY (id),
                CONSTRAINT fk_signals_case_routes_route_id FOREIGN KEY (route_id) REFERENCES case_routes (id) ON DELETE CASCADE,
                CONSTRAINT fk_signals_cases_case_id FOREIGN KEY (case_id) REFERENCES cases (id) ON DELETE CASCADE
            );
            CREATE INDEX ix_case_events_case_id_at ON case_events (case_id, at);
            CREATE UNIQUE INDEX ix_case_routes_case_id_sequence ON case_routes (case_id, sequence);
            CREATE UNIQUE INDEX ix_cases_submitted_by_idempotency_key ON cases (submitted_by, idempotency_key);
            CREATE INDEX ix_outbox_messages_pending ON outbox_messages (created_at) WHERE dispatched_at IS NULL;
            CREATE INDEX ix_signals_case_id ON signals (case_id);
            CREATE INDEX ix_signals_route_id ON signals (route_id);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TABLE signals, case_routes, case_events, outbox_messages, cases;");
    }
}
