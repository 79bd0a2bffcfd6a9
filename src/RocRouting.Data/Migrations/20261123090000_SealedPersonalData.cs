using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace RocRouting.Data.Migrations;

/// <summary>
/// The identity number and summary are stored encrypted. A migration cannot encrypt (it has no
/// key), so values already stored stay as they were until the migrate step seals them right
/// after (see PersonalDataRekeying, which takes an unprefixed value for plaintext).
/// </summary>
[DbContext(typeof(RocDbContext))]
[Migration("20261123090000_SealedPersonalData")]
public sealed class SealedPersonalData : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        ALTER TABLE cases RENAME COLUMN personal_identity_number TO sealed_personal_identity_number;
        ALTER TABLE cases ALTER COLUMN sealed_personal_identity_number TYPE text;
        ALTER TABLE cases RENAME COLUMN summary TO sealed_summary;
        ALTER TABLE cases ALTER COLUMN sealed_summary TYPE text;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        throw new NotSupportedException("Sealed values do not fit the old columns; restore from a backup instead.");
}
