using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// Every change to a roster tells the listening processes so (<c>NOTIFY roster_changed</c>, sent at
/// commit): the worker keeps the rosters it has read until then, instead of reading one for each
/// routing transaction (<see cref="RosterCache"/>). Statement triggers, so a change of many rows is
/// one notice, and TRUNCATE is heard too.
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261206040000_RosterChangeNotices")]
public sealed class RosterChangeNotices : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql($"""
        CREATE FUNCTION roster_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{RosterChangeListener.Channel}', '');
            RETURN NULL;
        END $$;
        CREATE TRIGGER roster_duties_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roster_duties
            FOR EACH STATEMENT EXECUTE FUNCTION roster_changed();
        CREATE TRIGGER roster_overrides_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roster_overrides
            FOR EACH STATEMENT EXECUTE FUNCTION roster_changed();
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP TRIGGER roster_overrides_changed ON roster_overrides;
        DROP TRIGGER roster_duties_changed ON roster_duties;
        DROP FUNCTION roster_changed();
        """);
}
