using System.Net;
using Npgsql;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Hosting;

public sealed class Reporting_readiness
{
    [Test]
    public async Task Is_unready_while_an_outbox_message_has_waited_over_a_minute_and_ready_again_after()
    {
        var app = await RocApp.SharedAsync();
        using var client = app.Client();
        var stuck = Guid.NewGuid();
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        // A message no relay can publish (its type is not a contract), written two minutes ago.
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO outbox_messages (id, message_type, payload, created_at, attempts) VALUES (@id, 'Nowhere.Unknown', '{}', now() - interval '2 minutes', 0)",
            connection))
        {
            insert.Parameters.AddWithValue("id", stuck);
            await insert.ExecuteNonQueryAsync();
        }
        try
        {
            using var unready = await client.GetAsync("/health/ready");
            var body = await unready.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(unready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(body, Is.EqualTo("Unhealthy"), "no details that help an attacker");
            });
        }
        finally
        {
            await using var delete = new NpgsqlCommand("DELETE FROM outbox_messages WHERE id = @id", connection);
            delete.Parameters.AddWithValue("id", stuck);
            await delete.ExecuteNonQueryAsync();
        }
        using var ready = await client.GetAsync("/health/ready");
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
