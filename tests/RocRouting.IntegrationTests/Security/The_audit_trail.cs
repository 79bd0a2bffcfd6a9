using System.Net;
using Npgsql;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Security;

public sealed class The_audit_trail
{
    private RocApp _app = null!;

    [OneTimeSetUp]
    public async Task Start() => _app = await RocApp.SharedAsync();

    [Test]
    public async Task Records_the_submission_the_routing_every_read_and_every_refusal_without_personal_data()
    {
        var caseId = await SubmitAsync(_app, null, "urgent");
        await RoutedAsync(_app, caseId);
        using var socialjour = _app.Client(TestTokens.SocialjourStaff("reader-1"));
        using var stranger = _app.Client(TestTokens.MunicipalityStaff("0180", "stranger-1"));
        using (await socialjour.GetAsync($"/api/v1/cases/{caseId}"))
        using (await stranger.GetAsync($"/api/v1/cases/{caseId}"))
        {
        }

        using var auditor = _app.Client(TestTokens.Auditor());
        using var response = await auditor.GetAsync($"/api/v1/audit?caseId={caseId}");
        var body = await response.Content.ReadAsStringAsync();
        var entries = (await CaseRequests.JsonAsync(response)).GetProperty("items").EnumerateArray()
            .Select(e => $"{e.GetProperty("action").GetString()} {e.GetProperty("outcome").GetString()} {e.GetProperty("sub").GetString()}")
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(entries, Has.Some.StartsWith("case.submit ok officer-"));
            Assert.That(entries, Does.Contain("case.route ok system:worker"));
            Assert.That(entries, Does.Contain("case.read ok reader-1"));
            Assert.That(entries, Does.Contain("case.read denied stranger-1"));
            Assert.That(body, Does.Not.Contain("1212").And.Not.Contain("Tolvan"));
        });
    }

    [TestCase("UPDATE audit_entries SET outcome = 'ok'")]
    [TestCase("DELETE FROM audit_entries")]
    [TestCase("TRUNCATE audit_entries")]
    public async Task Cannot_be_changed_even_by_the_applications_own_database_role(string sql)
    {
        await SubmitAsync(_app, null, "routine");
        await using var connection = new NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var error = Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.That(error!.MessageText, Does.Contain("append-only"));
    }

    [Test]
    public async Task Is_for_auditors_only()
    {
        using var operatorClient = _app.Client(TestTokens.Operator());
        using var response = await operatorClient.GetAsync("/api/v1/audit");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
