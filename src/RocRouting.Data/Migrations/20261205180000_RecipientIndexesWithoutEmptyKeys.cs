using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// The recipient indexes of cases and inbox items held an entry for every row, the empty recipient
/// column included: two index writes at intake and one more at routing for no reader. They now hold
/// only the rows of their own kind of recipient (the queries ask for one recipient by equality).
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261205180000_RecipientIndexesWithoutEmptyKeys")]
public sealed class RecipientIndexesWithoutEmptyKeys : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP INDEX ix_cases_recipient_municipality_code_acknowledge_by;
        DROP INDEX ix_cases_recipient_service_id_acknowledge_by;
        DROP INDEX ix_inbox_items_recipient_municipality_code_tx_id_id;
        DROP INDEX ix_inbox_items_recipient_service_id_tx_id_id;
        CREATE INDEX ix_cases_recipient_municipality_code_acknowledge_by ON cases (recipient_municipality_code, acknowledge_by)
            WHERE closed_at IS NULL AND recipient_municipality_code IS NOT NULL;
        CREATE INDEX ix_cases_recipient_service_id_acknowledge_by ON cases (recipient_service_id, acknowledge_by)
            WHERE closed_at IS NULL AND recipient_service_id IS NOT NULL;
        CREATE INDEX ix_inbox_items_recipient_municipality_code_tx_id_id ON inbox_items (recipient_municipality_code, tx_id, id)
            WHERE recipient_municipality_code IS NOT NULL;
        CREATE INDEX ix_inbox_items_recipient_service_id_tx_id_id ON inbox_items (recipient_service_id, tx_id, id)
            WHERE recipient_service_id IS NOT NULL;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP INDEX ix_cases_recipient_municipality_code_acknowledge_by;
        DROP INDEX ix_cases_recipient_service_id_acknowledge_by;
        DROP INDEX ix_inbox_items_recipient_municipality_code_tx_id_id;
        DROP INDEX ix_inbox_items_recipient_service_id_tx_id_id;
        CREATE INDEX ix_cases_recipient_municipality_code_acknowledge_by ON cases (recipient_municipality_code, acknowledge_by) WHERE closed_at IS NULL;
        CREATE INDEX ix_cases_recipient_service_id_acknowledge_by ON cases (recipient_service_id, acknowledge_by) WHERE closed_at IS NULL;
        CREATE INDEX ix_inbox_items_recipient_municipality_code_tx_id_id ON inbox_items (recipient_municipality_code, tx_id, id);
        CREATE INDEX ix_inbox_items_recipient_service_id_tx_id_id ON inbox_items (recipient_service_id, tx_id, id);
        """);
}
