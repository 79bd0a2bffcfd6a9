using System.Net;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using RocRouting.Api.Health;
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
            // Readiness is evaluated at most once a second (CachedReadiness): the next evaluation sees it.
            var body = await Eventually.Until(
                async () =>
                {
                    using var response = await client.GetAsync("/health/ready");
                    return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
                },
                r => r.StatusCode == HttpStatusCode.ServiceUnavailable,
                "unready while the message waits",
                TimeSpan.FromSeconds(10));
            Assert.That(body.Body, Is.EqualTo("Unhealthy"), "no details that help an attacker");
        }
        finally
        {
            await using var delete = new NpgsqlCommand("DELETE FROM outbox_messages WHERE id = @id", connection);
            delete.Parameters.AddWithValue("id", stuck);
            await delete.ExecuteNonQueryAsync();
        }
        await ReadinessAsync(client, HttpStatusCode.OK, "ready again once it is gone", TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task A_flood_of_probes_evaluates_readiness_at_most_once_a_second()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-02T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var health = new CountingHealthChecks();
        var readiness = new CachedReadiness(health, clock);

        var flood = await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => Task.Run(readiness.StatusAsync)));
        clock.Advance(TimeSpan.FromMilliseconds(999));
        await readiness.StatusAsync();
        Assert.Multiple(() =>
        {
            Assert.That(flood, Is.All.EqualTo(HealthStatus.Healthy));
            Assert.That(health.Evaluations, Is.EqualTo(1), "500 probes within a second: one evaluation");
        });

        health.Next = HealthStatus.Unhealthy;
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var later = await readiness.StatusAsync();
        Assert.Multiple(() =>
        {
            Assert.That(later, Is.EqualTo(HealthStatus.Unhealthy), "a second later it is evaluated again");
            Assert.That(health.Evaluations, Is.EqualTo(2));
        });
    }

    /// <summary>Health checks that count how often they are run.</summary>
    private sealed class CountingHealthChecks : HealthCheckService
    {
        private int _evaluations;

        public int Evaluations => Volatile.Read(ref _evaluations);

        public HealthStatus Next { get; set; } = HealthStatus.Healthy;

        public override async Task<HealthReport> CheckHealthAsync(Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _evaluations);
            // As a database query would: the probes arriving meanwhile must share this evaluation.
            await Task.Yield();
            return new HealthReport(new Dictionary<string, HealthReportEntry> { ["database"] = new(Next, null, TimeSpan.Zero, null, null) }, TimeSpan.Zero);
        }
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
