using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Security;

/// <summary>
/// A stolen application credential (the API's or the worker's connection string) reads and writes
/// cases, but cannot change the schema, empty a table or rewrite the audit trail. The whole suite runs
/// the service as that role, so a grant it lacks fails the tests that need it.
/// </summary>
public sealed class Connecting_as_the_application_role : SharedAppTest
{
    [TestCase("ALTER TABLE audit_entries DISABLE TRIGGER ALL")]
    [TestCase("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update_or_delete")]
    [TestCase("DROP TRIGGER audit_entries_no_update_or_delete ON audit_entries")]
    [TestCase("CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$")]
    [TestCase("UPDATE audit_entries SET outcome = 'ok'")]
    [TestCase("DELETE FROM audit_entries")]
    [TestCase("TRUNCATE audit_entries")]
    [TestCase("TRUNCATE cases CASCADE")]
    [TestCase("TRUNCATE outbox_messages")]
    [TestCase("DROP TABLE cases CASCADE")]
    [TestCase("CREATE TABLE copied AS SELECT * FROM cases")]
    [TestCase("ALTER TABLE cases ADD COLUMN note text")]
    [TestCase("DELETE FROM \"__EFMigrationsHistory\"")]
    [TestCase("INSERT INTO \"__EFMigrationsHistory\" VALUES ('29991231000000_Forged', '10.0.0')")]
    public async Task Cannot(string sql)
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);

        var error = Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.That(error!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), error.MessageText);
    }

    [Test]
    public async Task Is_not_the_owner_of_the_schema_nor_a_superuser()
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT r.rolsuper, pg_has_role(current_user, c.relowner, 'MEMBER')
            FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'audit_entries'::regclass
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(reader.GetBoolean(0), Is.False, "superuser");
            Assert.That(reader.GetBoolean(1), Is.False, "member of the owner");
        });
    }

    [Test]
    public void The_api_refuses_to_serve_as_the_owner_outside_Development()
    {
        var settings = TestKeys.WithFreshKeys(RocApp.Settings(TestServers.AsOwner(App.ConnectionString), "owner."));
        using var production = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            foreach (var (k, v) in settings.Where(kv => kv.Value is not null && kv.Key != "Auth:DevelopmentSigningKey"))
            {
                web.UseSetting(k, v);
            }
            web.UseSetting("Auth:Issuer", "https://login.example.invalid/");
            web.UseSetting("Auth:Authority", "https://login.example.invalid/");
        });

        var error = Assert.Throws<InvalidOperationException>(() => _ = production.Server);

        Assert.That(error!.Message, Does.Contain("owner of the schema"));
    }
}
