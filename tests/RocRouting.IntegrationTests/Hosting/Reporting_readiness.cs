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

    [Test]
    public async Task Is_unready_while_the_broker_is_down_and_ready_again_once_it_is_back()
    {
        await using var broker = await OwnBroker.StartAsync();
        await using var app = await RocApp.StartAsync(prefix: "broker.", extraSettings: new()
        {
            ["RabbitMq:Url"] = broker.Url,
            ["SelfMonitoring:MaxAge"] = "00:00:03",
            ["SelfMonitoring:Timeout"] = "00:00:01",
        });
        using var client = app.Client();
        await ReadinessAsync(client, HttpStatusCode.OK, "ready on a working broker");

        await broker.StopAsync();
        await ReadinessAsync(client, HttpStatusCode.ServiceUnavailable, "unready once heartbeats stop coming back");
        using (var operatorClient = app.Client(TestTokens.Operator()))
        using (var deadLetters = await operatorClient.GetAsync("/api/v1/operations/dead-letters"))
        {
            Assert.Multiple(() =>
            {
                Assert.That(deadLetters.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the broker is down: 503, not 500");
                Assert.That(deadLetters.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
            });
        }

        await broker.StartAgainAsync();
        await ReadinessAsync(client, HttpStatusCode.OK, "ready again when the broker is back", TimeSpan.FromSeconds(90));
        var caseId = await StaffActions.SubmitAsync(app, "0138", "urgent");
        await StaffActions.RoutedAsync(app, caseId);
    }

    [Test]
    public async Task Is_unready_while_no_worker_runs_though_the_broker_is_up()
    {
        await using var app = await RocApp.StartAsync(prefix: "no-worker.", extraSettings: new()
        {
            ["SelfMonitoring:MaxAge"] = "00:00:03",
            ["SelfMonitoring:Timeout"] = "00:00:01",
        });
        using var client = app.Client();
        await ReadinessAsync(client, HttpStatusCode.OK, "ready with a worker");

        await app.RestartWorkerAsync(async () =>
        {
            await ReadinessAsync(client, HttpStatusCode.ServiceUnavailable, "unready once the worker's heartbeats stop");
            using var live = await client.GetAsync("/health/live");
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the API itself is alive: intake goes on");
            var caseId = await StaffActions.SubmitAsync(app, "0138", "urgent");
            Assert.That((await StaffActions.ViewAsync(app, caseId)).GetProperty("status").GetString(), Is.EqualTo("submitted"), "accepted and kept for the worker");
        });
        await ReadinessAsync(client, HttpStatusCode.OK, "ready again once a worker runs");
    }

    private static Task<HttpStatusCode> ReadinessAsync(HttpClient client, HttpStatusCode expected, string what, TimeSpan? timeout = null) =>
        Eventually.Until(
            async () =>
            {
                using var response = await client.GetAsync("/health/ready");
                return response.StatusCode;
            },
            status => status == expected,
            what,
            timeout ?? TimeSpan.FromSeconds(30));
}
