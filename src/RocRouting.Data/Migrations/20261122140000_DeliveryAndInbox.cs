using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>Delivery: the always-on inbox (with a gap-free transaction-ordered cursor) and webhook deliveries.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261122140000_DeliveryAndInbox")]
public sealed class DeliveryAndInbox : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE TABLE inbox_items (
                id uuid NOT NULL,
                tx_id bigint NOT NULL DEFAULT ((pg_current_xact_id()::text)::bigint),
                recipient_kind character varying(32) NOT NULL,
                recipient_municipality_code character(4),
                recipient_service_id character varying(64),
                kind character varying(16) NOT NULL,
                case_id uuid NOT NULL,
                route_id bigint NOT NULL,
                urgency character varying(16) NOT NULL,
                due_at timestamp with time zone NOT NULL,
                created_at timestamp with time zone NOT NULL,
                received_at timestamp with time zone,
                CONSTRAINT pk_inbox_items PRIMARY KEY (id),
                CONSTRAINT fk_inbox_items_case_routes_route_id FOREIGN KEY (route_id) REFERENCES case_routes (id) ON DELETE CASCADE,
                CONSTRAINT fk_inbox_items_cases_case_id FOREIGN KEY (case_id) REFERENCES cases (id) ON DELETE CASCADE
            );
            CREATE TABLE deliveries (
                id uuid NOT NULL,
                inbox_item_id uuid NOT NULL,
                case_id uuid NOT NULL,
                recipient character varying(96) NOT NULL,
                state character varying(16) NOT NULL,
                attempts integer NOT NULL,
                next_attempt_at timestamp with time zone NOT NULL,
                lease_until timestamp with time zone,
                last_error character varying(500),
                created_at timestamp with time zone NOT NULL,
                delivered_at timestamp with time zone,
                CONSTRAINT pk_deliveries PRIMARY KEY (id),
                CONSTRAINT fk_deliveries_inbox_items_inbox_item_id FOREIGN KEY (inbox_item_id) REFERENCES inbox_items (id) ON DELETE CASCADE
            );
            CREATE INDEX ix_deliveries_inbox_item_id ON deliveries (inbox_item_id);
            CREATE INDEX ix_deliveries_pending ON deliveries (next_attempt_at) WHERE state = 'pending';
            CREATE INDEX ix_inbox_items_case_id ON inbox_items (case_id);
            CREATE INDEX ix_inbox_items_recipient_municipality_code_tx_id_id ON inbox_items (recipient_municipality_code, tx_id, id);
            CREATE INDEX ix_inbox_items_recipient_service_id_tx_id_id ON inbox_items (recipient_service_id, tx_id, id);
            CREATE INDEX ix_inbox_items_route_id ON inbox_items (route_id);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TABLE deliveries, inbox_items;");
    }
}
