using System.Net;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>An app on a PostgreSQL server of its own, which the test stops and starts again.</summary>
public sealed class Losing_the_database
{
    private OwnDatabaseServer _server = null!;
    private RocApp _app = null!;

    [OneTimeSetUp]
    public async Task StartAppOnItsOwnServer()
    {
        _server = await OwnDatabaseServer.StartAsync();
        await TestServers.CreateRolesAsync(_server.ConnectionString("postgres"));
        await using (var admin = new NpgsqlConnection(_server.ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE roc_down OWNER {TestServers.OwnerRole}", admin);
            await create.ExecuteNonQueryAsync();
        }
        _app = await RocApp.StartAsync(prefix: "db-down.", extraSettings: new()
        {
            ["ConnectionStrings:Postgres"] = TestServers.AsApplication(_server.ConnectionString("roc_down")),
        });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        // The server goes even when the app never started: a failed set-up left it running once.
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Test]
    public async Task A_console_page_answers_503_in_Swedish_with_retry_after()
    {
        using var browser = _app.Api.CreateClient();
        using (var signIn = await browser.GetAsync("/dev/sign-in?role=socialjour-staff"))
        {
            Assert.That(signIn.IsSuccessStatusCode, Is.True);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, "/queue");
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");

        await _server.StopAsync();
        try
        {
            using var page = await browser.SendAsync(request);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(page.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
                Assert.That(page.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
                Assert.That(html, Does.Contain("<html lang=\"sv\">").And.Contain("Tjänsten är tillfälligt otillgänglig"));
            });
        }
        finally
        {
            await _server.StartAgainAsync();
        }
    }

    [Test]
    public async Task Intake_answers_503_with_retry_after_and_the_retry_with_the_same_key_stores_one_case()
    {
        var (server, app) = (_server, _app);
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
