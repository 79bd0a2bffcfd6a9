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
    public async Task Pages_a_time_window_newest_first_with_every_entry_in_it_once()
    {
        var reader = $"reader-{Guid.NewGuid():N}";
        var caseId = await SubmitAsync(App, null, "urgent");
        await RoutedAsync(App, caseId);
        using (var socialjour = App.Client(TestTokens.SocialjourStaff(reader)))
        {
            for (var i = 0; i < 7; i++)
            {
                using var read = await socialjour.GetAsync($"/api/v1/cases/{caseId}");
                Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }
        }
        using var auditor = App.Client(TestTokens.Auditor());
        var all = (await PageAsync(auditor, $"sub={reader}&limit=1000")).Items;
        // The window leaves out the newest read and the two oldest.
        var (from, to) = (all[4].At, all[0].At);
        var expected = all.Where(e => e.At >= from && e.At < to).Select(e => e.Id).ToList();

        var paged = (await EveryPageAsync(auditor, $"sub={reader}&from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}&limit=2"))
            .Select(e => e.Id).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(all, Has.Count.EqualTo(7));
            Assert.That(all.Select(e => e.At), Is.Ordered.Descending, "newest first");
            Assert.That(expected, Has.Count.InRange(1, 4));
            Assert.That(paged, Is.EqualTo(expected), "every entry of the window, in order, once, over pages of two");
        });
    }

    [Test]
    public async Task Is_read_newest_first_by_time_whatever_order_the_entries_were_written_in()
    {
        // Two instances' clocks differ by a little, so the trail's ids are not quite in time order.
        var subject = $"clock-{Guid.NewGuid():N}";
        var t = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        await using (var connection = new NpgsqlConnection(TestServers.AsOwner(App.ConnectionString)))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand(
                "INSERT INTO audit_entries (at, subject, role, action, outcome) SELECT unnest($1::timestamptz[]), $2, 'socialjour-staff', 'case.read', 'ok'", connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = new[] { t.AddSeconds(2), t, t.AddSeconds(1), t.AddSeconds(1) } });
            insert.Parameters.Add(new NpgsqlParameter { Value = subject });
            await insert.ExecuteNonQueryAsync();
        }
        using var auditor = App.Client(TestTokens.Auditor());

        var paged = await EveryPageAsync(auditor, $"sub={subject}&limit=1");

        Assert.Multiple(() =>
        {
            Assert.That(paged.Select(e => e.At), Is.EqualTo(new[] { t.AddSeconds(2), t.AddSeconds(1), t.AddSeconds(1), t }));
            Assert.That(paged[1].Id, Is.GreaterThan(paged[2].Id), "entries of one instant newest id first");
            Assert.That(paged.Select(e => e.Id).Distinct().Count(), Is.EqualTo(4), "each once");
        });
    }

    private sealed record Entry(long Id, DateTimeOffset At);

    /// <summary>The entries of every page, following <c>next</c> (ten pages at most).</summary>
    private static async Task<List<Entry>> EveryPageAsync(HttpClient auditor, string query)
    {
        var entries = new List<Entry>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await PageAsync(auditor, query + (next is null ? "" : $"&next={Uri.EscapeDataString(next)}"));
            entries.AddRange(page.Items);
            next = page.Next;
        }
        while (next is not null && ++pages < 10);
        return entries;
    }

    private static async Task<(List<Entry> Items, string? Next)> PageAsync(HttpClient auditor, string query)
    {
        using var response = await auditor.GetAsync($"/api/v1/audit?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), query);
        var json = await CaseRequests.JsonAsync(response);
        var items = json.GetProperty("items").EnumerateArray()
            .Select(e => new Entry(e.GetProperty("id").GetInt64(), e.GetProperty("at").GetDateTimeOffset())).ToList();
        return (items, json.TryGetProperty("next", out var next) && next.ValueKind == System.Text.Json.JsonValueKind.String ? next.GetString() : null);
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
