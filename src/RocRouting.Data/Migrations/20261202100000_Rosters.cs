using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>Duty rosters: each organisation's weekly duties and dated overrides (who is reached when).</summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261202100000_Rosters")]
public sealed class Rosters : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        CREATE TABLE roster_duties (
            id uuid PRIMARY KEY,
            organisation varchar(100) NOT NULL,
            person varchar(200) NOT NULL,
            role varchar(32) NOT NULL,
            days text[] NOT NULL,
            starts time NOT NULL,
            ends time NOT NULL);
        CREATE INDEX ix_roster_duties_organisation ON roster_duties (organisation);
        CREATE TABLE roster_overrides (
            id uuid PRIMARY KEY,
            organisation varchar(100) NOT NULL,
            person varchar(200) NOT NULL,
            role varchar(32) NOT NULL,
            "from" timestamptz NOT NULL,
            "to" timestamptz NOT NULL,
            replaces varchar(200),
            created_at timestamptz NOT NULL,
            CHECK ("from" < "to"));
        CREATE INDEX ix_roster_overrides_organisation_to ON roster_overrides (organisation, "to");
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP TABLE roster_overrides;
        DROP TABLE roster_duties;
        """);
}
