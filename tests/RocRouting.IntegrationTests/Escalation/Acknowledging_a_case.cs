using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Escalation;

public sealed class Acknowledging_a_case : ClockedAppTest
{
    [Test]
    public async Task By_the_recipient_records_who_took_it_and_a_repeat_returns_the_first()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        var staff = TestTokens.MunicipalityStaff("0138", sub: "tyreso-staff-1");

        using var first = await AcknowledgeAsync(App, staff, caseId, "On my way");
        Clock.Advance(TimeSpan.FromMinutes(3));
        using var second = await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0138", sub: "tyreso-staff-2"), caseId);
        var firstBody = await first.Content.ReadAsStringAsync();
        var secondBody = await second.Content.ReadAsStringAsync();
        var stored = await App.WithDbAsync(db => db.Acknowledgements.CountAsync(a => a.CaseId == caseId));
        var ack = await CaseRequests.JsonAsync(first);
        Assert.Multiple(() =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(secondBody, Is.EqualTo(firstBody), "a repeat is answered with the first acknowledgement");
            Assert.That(stored, Is.EqualTo(1));
            Assert.That(ack.GetProperty("acknowledgedBy").GetProperty("organisation").GetString(), Is.EqualTo("home-municipality:0138"));
            Assert.That(ack.GetProperty("acknowledgedBy").GetProperty("sub").GetString(), Is.EqualTo("tyreso-staff-1"));
            Assert.That(ack.GetProperty("note").GetString(), Is.EqualTo("On my way"));
        });
    }

    [Test]
    public async Task The_police_see_which_organisation_took_it_but_not_who()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var police = TestTokens.PoliceOfficer(unit: "Unit Follow");
        using var client = App.Client(police);
        using var submitted = await CaseRequests.PostAsync(client, CaseRequests.Valid(home: "0138"));
        var caseId = (await CaseRequests.JsonAsync(submitted)).GetProperty("caseId").GetGuid();
        await RoutedAsync(App, caseId);
        using var acknowledged = await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0138", sub: "tyreso-staff-9"), caseId);

        using var response = await client.GetAsync($"/api/v1/cases/{caseId}");
        var view = await CaseRequests.JsonAsync(response);
        var acknowledgement = view.GetProperty("acknowledgement");
        Assert.Multiple(() =>
        {
            Assert.That(view.GetProperty("status").GetString(), Is.EqualTo("acknowledged"));
            Assert.That(acknowledgement.GetProperty("organisation").GetString(), Is.EqualTo("home-municipality:0138"));
            Assert.That(acknowledgement.TryGetProperty("sub", out _), Is.False);
            Assert.That(Timeline(view), Does.Contain("acknowledged"));
        });
    }

    [Test]
    public async Task By_another_municipality_is_answered_as_if_the_case_did_not_exist()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        using var response = await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0180"), caseId);
        using var unknown = await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0138"), Guid.NewGuid());
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task After_escalation_moved_it_is_a_conflict_naming_the_current_recipient()
    {
        var caseId = await RerouteUnacknowledgedAsync();

        using var response = await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0138"), caseId);
        var problem = await CaseRequests.JsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(problem.GetProperty("currentRecipient").GetProperty("serviceId").GetString(), Is.EqualTo("stockholm"));
        });
    }

    [Test]
    public async Task Racing_the_re_route_deadline_has_exactly_one_winner()
    {
        var tuesday = Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await SubmitAsync(App, "0138", "urgent"));
        }
        foreach (var id in ids)
        {
            await RoutedAsync(App, id);
        }
        Clock.Set(tuesday.AddHours(2).AddSeconds(1));
        foreach (var id in ids)
        {
            await UntilAsync(App, id, v => v.GetProperty("status").GetString() == "overdue", "the first miss");
        }

        // The re-route deadline falls due while every case is being acknowledged.
        var staff = TestTokens.MunicipalityStaff("0138");
        var acks = ids.Select(id => AcknowledgeAsync(App, staff, id)).ToList();
        Clock.Set(tuesday.AddHours(4).AddSeconds(2));
        var responses = await Task.WhenAll(acks);

        foreach (var (id, response) in ids.Zip(responses))
        {
            var view = await UntilAsync(App, id, v => v.GetProperty("status").GetString() is "acknowledged" or "routed", "one outcome");
            var timeline = Timeline(view).ToList();
            var acknowledged = response.StatusCode == HttpStatusCode.OK;
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.Conflict));
                Assert.That(timeline.Contains("acknowledged"), Is.EqualTo(acknowledged));
                Assert.That(timeline.Contains("rerouted"), Is.EqualTo(!acknowledged), string.Join(",", timeline));
                Assert.That(Recipient(view), Is.EqualTo(acknowledged ? "home-municipality:0138" : "social-emergency-service:stockholm"));
            });
            response.Dispose();
        }

        // Every deadline of every case passes: an acknowledged case must stay with whoever took it.
        var acknowledgedIds = ids.Zip(responses).Where(p => p.Second.StatusCode == HttpStatusCode.OK).Select(p => p.First).ToArray();
        Clock.Set(tuesday.AddDays(1));
        await DeadlinesFiredAsync(App, [.. ids]);
        foreach (var id in acknowledgedIds)
        {
            var view = await ViewAsync(App, id);
            Assert.Multiple(() =>
            {
                Assert.That(view.GetProperty("status").GetString(), Is.EqualTo("acknowledged"));
                Assert.That(Timeline(view).SkipWhile(k => k != "acknowledged").Skip(1), Is.Empty, "nothing happens to a case after it is taken");
            });
        }
    }

    [Test]
    public async Task Taken_before_its_first_deadline_it_stays_acknowledged_past_every_deadline()
    {
        // 15:00: deadlines at closing (16:30, the move to the socialjour) and at 17:00 (the first miss).
        var tuesday = Clock.NextLocal(DayOfWeek.Tuesday, 15);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        using (var taken = await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0138"), caseId))
        {
            Assert.That(taken.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Clock.Set(tuesday.AddDays(1));
        await DeadlinesFiredAsync(App, caseId);
        var view = await ViewAsync(App, caseId);
        var deadlines = await App.WithDbAsync(db => db.Deadlines.CountAsync(d => d.CaseId == caseId && d.FiredAt != null));
        Assert.Multiple(() =>
        {
            Assert.That(deadlines, Is.EqualTo(2), "both deadlines came and went");
            Assert.That(view.GetProperty("status").GetString(), Is.EqualTo("acknowledged"));
            Assert.That(Recipient(view), Is.EqualTo("home-municipality:0138"));
            Assert.That(Timeline(view), Is.EqualTo(new[] { "submitted", "routed", "acknowledged" }));
        });
    }

    [Test]
    public async Task A_handover_moves_it_to_the_socialjour_who_can_then_take_it()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 16);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);

        using var municipality = App.Client(TestTokens.MunicipalityStaff("0138"));
        using var handover = await municipality.PostAsJsonAsync($"/api/v1/cases/{caseId}/handovers", new { reason = "Our office closes in 30 minutes" });
        var view = await CaseRequests.JsonAsync(handover);
        using var ack = await AcknowledgeAsync(App, TestTokens.SocialjourStaff(), caseId);
        Assert.Multiple(() =>
        {
            Assert.That(handover.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Recipient(view), Is.EqualTo("social-emergency-service:stockholm"));
            Assert.That(view.GetProperty("route").GetProperty("ruleId").GetString(), Is.EqualTo("handover-to-socialjour"));
            Assert.That(Timeline(view), Does.Contain("handed-over"));
            Assert.That(ack.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task Closing_it_takes_it_off_the_queue()
    {
        Clock.NextLocal(DayOfWeek.Saturday, 2);
        var open = await SubmitAsync(App, null, "urgent");
        var closed = await SubmitAsync(App, null, "immediate");
        await RoutedAsync(App, open);
        await RoutedAsync(App, closed);
        using var staff = App.Client(TestTokens.SocialjourStaff());

        using var closure = await staff.PostAsJsonAsync($"/api/v1/cases/{closed}/closure", new { outcome = "handled" });
        using var again = await staff.PostAsJsonAsync($"/api/v1/cases/{closed}/closure", new { outcome = "duplicate" });
        using var queueResponse = await staff.GetAsync("/api/v1/queue?limit=200");
        var items = (await CaseRequests.JsonAsync(queueResponse)).GetProperty("items").EnumerateArray().ToList();
        var status = await App.WithDbAsync(db => db.Cases.Where(c => c.Id == closed).Select(c => c.Status).SingleAsync());
        var secondClosure = await CaseRequests.JsonAsync(again);
        Assert.Multiple(() =>
        {
            Assert.That(closure.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(secondClosure.GetProperty("outcome").GetString(), Is.EqualTo("handled"), "closing twice returns the first closure");
            Assert.That(status, Is.EqualTo(CaseStatus.Closed));
            Assert.That(items.Select(i => i.GetProperty("caseId").GetGuid()), Does.Contain(open).And.Not.Contain(closed));
        });
    }
}
