using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>The audit trail: append-only, enforced by triggers that refuse UPDATE, DELETE and TRUNCATE.</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261122150000_AuditEntries")]
public sealed class AuditEntries : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE TABLE audit_entries (
                id bigint GENERATED ALWAYS AS IDENTITY,
                at timestamp with time zone NOT NULL,
                subject character varying(128) NOT NULL,
                role character varying(32) NOT NULL,
                organisation character varying(96),
                action character varying(64) NOT NULL,
                case_id uuid,
                outcome character varying(16) NOT NULL,
                CONSTRAINT pk_audit_entries PRIMARY KEY (id)
            );
            CREATE INDEX ix_audit_entries_at ON audit_entries (at);
            CREATE INDEX ix_audit_entries_case_id_id ON audit_entries (case_id, id);
            CREATE INDEX ix_audit_entries_subject_id ON audit_entries (subject, id);
            CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_entries is append-only' USING ERRCODE = 'insufficient_privilege';
            END $$;
            CREATE TRIGGER audit_entries_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_entries
                FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
            CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
                FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
            REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM PUBLIC;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TABLE audit_entries; DROP FUNCTION audit_entries_append_only();");
    }
}
