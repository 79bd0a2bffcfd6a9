using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// Duty rosters: each organisation's weekly duties and dated overrides (who is reached when), and
/// people's contact points (sealed; found again by a keyed hash).
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261202100000_Rosters")]
public sealed class Rosters : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        CREATE TABLE roster_duties (
            id uuid CONSTRAINT pk_roster_duties PRIMARY KEY,
            organisation varchar(100) NOT NULL,
            person varchar(200) NOT NULL,
            role varchar(32) NOT NULL,
            days text[] NOT NULL,
            starts time NOT NULL,
            ends time NOT NULL);
        CREATE INDEX ix_roster_duties_organisation ON roster_duties (organisation);
        CREATE TABLE roster_overrides (
            id uuid CONSTRAINT pk_roster_overrides PRIMARY KEY,
            organisation varchar(100) NOT NULL,
            person varchar(200) NOT NULL,
            role varchar(32) NOT NULL,
            "from" timestamptz NOT NULL,
            "to" timestamptz NOT NULL,
            replaces varchar(200),
            created_at timestamptz NOT NULL,
            CONSTRAINT ck_roster_overrides_period CHECK ("from" < "to"));
        CREATE INDEX ix_roster_overrides_organisation_to ON roster_overrides (organisation, "to");
        CREATE TABLE contact_points (
            id uuid CONSTRAINT pk_contact_points PRIMARY KEY,
            person varchar(200) NOT NULL,
            channel varchar(16) NOT NULL,
            fingerprint bytea NOT NULL,
            sealed_value text NOT NULL,
            service varchar(253) NOT NULL,
            created_at timestamptz NOT NULL);
        CREATE UNIQUE INDEX ix_contact_points_person_channel_fingerprint ON contact_points (person, channel, fingerprint);
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        DROP TABLE contact_points;
        DROP TABLE roster_overrides;
        DROP TABLE roster_duties;
        """);
}
