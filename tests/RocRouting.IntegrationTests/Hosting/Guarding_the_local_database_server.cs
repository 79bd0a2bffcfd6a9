using Npgsql;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>
/// deploy/local/servers.sh used to initialise PostgreSQL with trust: any local user was a superuser on
/// its port. It now uses SCRAM passwords, the superuser's generated beside the data.
/// </summary>
public sealed class Guarding_the_local_database_server
{
    [Test]
    public async Task Refuses_the_superuser_without_the_generated_password()
    {
        await using var server = await OwnDatabaseServer.StartAsync();
        var withPassword = server.ConnectionString("postgres");
        var withoutPassword = new NpgsqlConnectionStringBuilder(withPassword) { Password = null }.ConnectionString;
        var wrongPassword = new NpgsqlConnectionStringBuilder(withPassword) { Password = "postgres" }.ConnectionString;

        Assert.Multiple(() =>
        {
            Assert.ThrowsAsync(Is.InstanceOf<NpgsqlException>(), () => OpenAsync(withoutPassword), "no password");
            var wrong = Assert.ThrowsAsync<PostgresException>(() => OpenAsync(wrongPassword), "a guessed password");
            Assert.That(wrong?.SqlState, Is.EqualTo(PostgresErrorCodes.InvalidPassword));
        });
        Assert.That(async () => await OpenAsync(withPassword), Throws.Nothing, "the generated password opens it");
    }

    private static async Task OpenAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
    }
}
