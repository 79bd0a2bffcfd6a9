using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Routing.Identity;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Security;

public sealed class Keeping_personal_data_out_of_telemetry : ClockedAppTest
{
    [Test]
    public async Task No_identity_number_or_name_appears_in_logs_activities_or_messages()
    {
        // Fictitious children: checksum-valid numbers on made-up dates, and an obviously invented name.
        var numbers = new[] { "1201015", "1303036", "1405057" }
            .Select(stem => "20" + stem[..6] + "12" + stem[6])
            .Select(twelve => twelve + PersonalIdentityNumber.CheckDigit(twelve.AsSpan(2, 9)))
            .ToList();
        const string name = "Fiktiva Testbarnsson";
        Captured.Clear();

        Clock.NextLocal(DayOfWeek.Saturday, 3);
        var ids = new List<Guid>();
        using var police = App.Client(TestTokens.PoliceOfficer(unit: "Telemetry unit"));
        foreach (var number in numbers)
        {
            var body = CaseRequests.Valid(home: "0138");
            body["child"]!["personalIdentityNumber"] = $"{number[..8]}-{number[8..]}";
            body["summary"] = $"{name} ({number}) seen near a fictitious address.";
            using var response = await CaseRequests.PostAsync(police, body);
            ids.Add((await CaseRequests.JsonAsync(response)).GetProperty("caseId").GetGuid());
        }
        using var bad = await CaseRequests.PostAsync(police, new System.Text.Json.Nodes.JsonObject { ["child"] = new System.Text.Json.Nodes.JsonObject { ["personalIdentityNumber"] = numbers[0] + "9" } });
        using var staff = App.Client(TestTokens.SocialjourStaff());
        foreach (var id in ids)
        {
            await RoutedAsync(App, id);
            using (await staff.GetAsync($"/api/v1/cases/{id}"))
            using (await AcknowledgeAsync(App, TestTokens.SocialjourStaff(), id, $"Spoke with {name}"))
            using (await staff.PostAsJsonAsync($"/api/v1/cases/{id}/closure", new { outcome = "handled" }))
            {
            }
        }

        var captured = Captured.Snapshot();
        var payloads = await App.WithDbAsync(db => db.OutboxMessages.Select(m => m.Payload).ToListAsync());
        var forbidden = numbers.SelectMany(n => new[] { n, n[2..], $"{n[2..8]}-{n[8..]}", $"{n[..8]}-{n[8..]}" }).Append(name).Append("Testbarnsson").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(captured, Has.Count.GreaterThan(20), "the capture saw the flow");
            Assert.That(captured, Has.Some.Contains("activity"), "activities were captured");
            Assert.That(captured, Has.Some.Contains(ids[0].ToString()), "the app's own log lines were captured (they name case ids)");
            foreach (var secret in forbidden)
            {
                Assert.That(captured.Where(l => l.Contains(secret, StringComparison.Ordinal)), Is.Empty, $"'{secret}' in logs or activities");
                Assert.That(payloads.Where(p => p.Contains(secret, StringComparison.Ordinal)), Is.Empty, $"'{secret}' in a bus message");
            }
        });
    }
}
