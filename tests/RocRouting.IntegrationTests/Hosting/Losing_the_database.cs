using System.Net;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>An app on a PostgreSQL server of its own, which the test stops and starts again.</summary>
public sealed class Losing_the_database
{
    [Test]
    public async Task Intake_answers_503_with_retry_after_and_the_retry_with_the_same_key_stores_one_case()
    {
        await using var server = await OwnDatabaseServer.StartAsync();
        await using (var admin = new NpgsqlConnection(server.ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE roc_down", admin);
            await create.ExecuteNonQueryAsync();
        }
        await using var app = await RocApp.StartAsync(prefix: "db-down.", extraSettings: new()
        {
            ["ConnectionStrings:Postgres"] = server.ConnectionString("roc_down"),
        });
        using var police = app.Client(TestTokens.PoliceOfficer());
        var body = CaseRequests.Valid();
        var key = Guid.NewGuid().ToString();

        await server.StopAsync();
        using var refused = await CaseRequests.PostAsync(police, body, key);
        var problem = await refused.Content.ReadAsStringAsync();
        using var read = await police.GetAsync($"/api/v1/cases/{Guid.NewGuid()}");
        Assert.Multiple(() =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), problem);
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        });

        // The police client retries with the same key, as it must, until the database is back.
        await server.StartAgainAsync();
        await Eventually.Until(
            async () =>
            {
                using var retry = await CaseRequests.PostAsync(police, body, key);
                return retry.StatusCode;
            },
            status => status == HttpStatusCode.Accepted,
            "the retry to be accepted",
            TimeSpan.FromSeconds(60));
        var stored = await app.WithDbAsync(db => db.Cases.CountAsync(c => c.IdempotencyKey == key));
        Assert.That(stored, Is.EqualTo(1), "one case, however often it was retried");
    }
}
