using System.Net;
using System.Net.Http.Json;
using Npgsql;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Security;

public sealed class The_audit_trail : SharedAppTest
{
    [Test]
    public async Task Records_the_submission_the_routing_every_read_and_every_refusal_without_personal_data()
    {
        var caseId = await SubmitAsync(App, null, "urgent");
        await RoutedAsync(App, caseId);
        using var socialjour = App.Client(TestTokens.SocialjourStaff("reader-1"));
        using var stranger = App.Client(TestTokens.MunicipalityStaff("0180", "stranger-1"));
        using (await socialjour.GetAsync($"/api/v1/cases/{caseId}"))
        using (await stranger.GetAsync($"/api/v1/cases/{caseId}"))
        {
        }

        using var auditor = App.Client(TestTokens.Auditor());
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
            CaseRequests.AssertNoPersonalData(body);
        });
    }

    [Test]
    public async Task Records_who_acknowledged_handed_over_and_closed_a_case_and_for_which_organisation()
    {
        var caseId = await SubmitAsync(App, "0138", "urgent");
        var routed = await RoutedAsync(App, caseId);
        // The shared app runs on the real clock: Tyresö has the case in office hours, the socialjour otherwise.
        var first = Recipient(routed);
        var (firstStaff, secondStaff, second) = first == "home-municipality:0138"
            ? (TestTokens.MunicipalityStaff("0138", "audit-staff-1"), TestTokens.SocialjourStaff("audit-staff-2"), "social-emergency-service:stockholm")
            : (TestTokens.SocialjourStaff("audit-staff-1"), TestTokens.MunicipalityStaff("0138", "audit-staff-2"), "home-municipality:0138");
        using (await AcknowledgeAsync(App, firstStaff, caseId))
        using (await HandOverAsync(App, firstStaff, caseId))
        using (var closer = App.Client(secondStaff))
        using (await closer.PostAsJsonAsync($"/api/v1/cases/{caseId}/closure", new { outcome = "referred" }))
        {
        }

        var entries = await EntriesAsync(caseId);
        Assert.Multiple(() =>
        {
            Assert.That(entries, Does.Contain($"case.acknowledge ok audit-staff-1 {first}"));
            Assert.That(entries, Does.Contain($"case.handover ok audit-staff-1 {first}"));
            Assert.That(entries, Does.Contain($"case.close ok audit-staff-2 {second}"));
        });
    }

    [Test]
    public async Task Records_an_operator_redriving_dead_letters()
    {
        using var operatorClient = App.Client(TestTokens.Operator());
        using var redrive = await operatorClient.PostAsync("/api/v1/operations/dead-letters/redrive?limit=1", null);
        var entries = await EntriesAsync(null, "operator-1");
        Assert.Multiple(() =>
        {
            Assert.That(redrive.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(entries, Has.Some.StartsWith("deadletters.redrive ok operator-1"));
        });
    }

    private async Task<List<string>> EntriesAsync(Guid? caseId, string? sub = null)
    {
        using var auditor = App.Client(TestTokens.Auditor());
        var query = caseId is { } id ? $"caseId={id}" : $"sub={sub}";
        using var response = await auditor.GetAsync($"/api/v1/audit?{query}&limit=1000");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return [.. (await CaseRequests.JsonAsync(response)).GetProperty("items").EnumerateArray()
            .Select(e => $"{e.GetProperty("action").GetString()} {e.GetProperty("outcome").GetString()} {e.GetProperty("sub").GetString()} {(e.TryGetProperty("organisation", out var o) ? o.GetString() : "")}".TrimEnd())];
    }

    [TestCase("UPDATE audit_entries SET outcome = 'ok'")]
    [TestCase("DELETE FROM audit_entries")]
    [TestCase("TRUNCATE audit_entries")]
    public async Task Cannot_be_changed_even_by_the_owner_of_the_schema(string sql)
    {
        await SubmitAsync(App, null, "routine");
        // The application role lacks the grants (Connecting_as_the_application_role); the owner meets the triggers.
        await using var connection = new NpgsqlConnection(TestServers.AsOwner(App.ConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var error = Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.That(error!.MessageText, Does.Contain("append-only"));
    }

    [Test]
    public async Task Is_for_auditors_only()
    {
        using var operatorClient = App.Client(TestTokens.Operator());
        using var response = await operatorClient.GetAsync("/api/v1/audit");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
