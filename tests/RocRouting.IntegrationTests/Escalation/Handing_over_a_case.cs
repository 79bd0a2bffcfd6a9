using System.Net;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Routing;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Escalation;

public sealed class Handing_over_a_case : ClockedAppTest
{
    [Test]
    public async Task From_the_socialjour_to_the_home_municipality_gives_it_to_the_municipality_from_when_its_office_opens()
    {
        var saturday = Clock.NextLocal(DayOfWeek.Saturday, 3);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);

        using var handover = await HandOverAsync(App, TestTokens.SocialjourStaff(), caseId, "Hemkommunen har redan kontakt med familjen");
        var view = await CaseRequests.JsonAsync(handover);
        var monday = saturday.AddDays(2).AddHours(5); // 08:00 Monday
        using var taken = await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0138"), caseId);
        Assert.Multiple(() =>
        {
            Assert.That(handover.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Recipient(view), Is.EqualTo("home-municipality:0138"));
            Assert.That(view.GetProperty("route").GetProperty("ruleId").GetString(), Is.EqualTo(RuleIds.HandoverToHomeMunicipality));
            Assert.That(view.GetProperty("acknowledgeBy").GetDateTimeOffset(), Is.EqualTo(monday.AddHours(2)), "two hours from when the office opens");
            Assert.That(taken.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the municipality can take it");
        });
    }

    [Test]
    public async Task The_new_recipients_first_responders_are_to_be_reached_as_the_handover_commits()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 14);
        var caseId = await SubmitAsync(App, "0138", "immediate");
        await RoutedAsync(App, caseId);

        using var handover = await HandOverAsync(App, TestTokens.MunicipalityStaff("0138"), caseId, "Kontoret stänger");
        // Read as soon as the handover is answered: planned in its transaction, not by a consumer of its message afterwards.
        var planned = await App.WithDbAsync(db => db.Notifications.AsNoTracking()
            .Where(n => n.CaseId == caseId && n.RouteSequence == 2)
            .Select(n => new { n.Step, n.Organisation })
            .Distinct()
            .ToListAsync());
        Assert.Multiple(() =>
        {
            Assert.That(handover.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(planned.Select(n => $"{n.Step} {n.Organisation}"), Is.EqualTo(new[] { "routed:2 social-emergency-service:stockholm" }));
        });
    }

    [Test]
    public async Task An_acknowledged_case_can_be_handed_over_and_the_new_recipient_must_take_it_again()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 14);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        using (var taken = await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0138"), caseId))
        {
            Assert.That(taken.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var handover = await HandOverAsync(App, TestTokens.MunicipalityStaff("0138"), caseId, "Kontoret stänger");
        var view = await CaseRequests.JsonAsync(handover);
        Assert.Multiple(() =>
        {
            Assert.That(handover.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(view.GetProperty("status").GetString(), Is.EqualTo("routed"), "no longer acknowledged: the socialjour has not taken it yet");
            Assert.That(view.TryGetProperty("acknowledgement", out _), Is.False);
            Assert.That(Recipient(view), Is.EqualTo("social-emergency-service:stockholm"));
        });
    }

    [Test]
    public async Task The_new_route_has_fresh_deadlines_and_the_old_ones_are_moot()
    {
        var tuesday = Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var caseId = await SubmitAsync(App, "0138", "immediate");
        await RoutedAsync(App, caseId);
        Clock.Set(tuesday.AddMinutes(10));
        using (var handover = await HandOverAsync(App, TestTokens.MunicipalityStaff("0138"), caseId))
        {
            Assert.That(handover.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        var deadlines = await App.WithDbAsync(db => db.Deadlines.AsNoTracking().Where(d => d.CaseId == caseId)
            .Join(db.CaseRoutes, d => d.RouteId, r => r.Id, (d, r) => new { r.Sequence, d.Kind, d.DueAt }).ToListAsync());

        // The first route's deadline (10:15) passes: moot, the socialjour's (10:25) is what counts.
        Clock.Set(tuesday.AddMinutes(16));
        await DeadlinesFiredAsync(App, caseId);
        var stillRouted = await ViewAsync(App, caseId);
        Clock.Set(tuesday.AddMinutes(26));
        var overdue = await UntilAsync(App, caseId, v => v.GetProperty("status").GetString() == "overdue", "the socialjour's first miss");
        Assert.Multiple(() =>
        {
            Assert.That(deadlines.Where(d => d.Sequence == 2).Select(d => (d.Kind, d.DueAt)),
                Is.EqualTo(new[] { (DeadlineKind.FirstMiss, tuesday.AddMinutes(25)) }), "fifteen minutes from the handover");
            Assert.That(stillRouted.GetProperty("status").GetString(), Is.EqualTo("routed"), "the old route's deadline did nothing");
            Assert.That(Timeline(overdue).Count(k => k == "overdue"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Only_the_organisation_that_has_the_case_may_hand_it_over()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);

        using var otherMunicipality = await HandOverAsync(App, TestTokens.MunicipalityStaff("0180"), caseId);
        using var socialjour = await HandOverAsync(App, TestTokens.SocialjourStaff(), caseId);
        using var police = await HandOverAsync(App, TestTokens.PoliceOfficer(), caseId);
        using var operatorCall = await HandOverAsync(App, TestTokens.Operator(), caseId);
        var view = await ViewAsync(App, caseId);
        var refusals = await App.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.CaseId == caseId && a.Action == AuditActions.CaseChange && a.Outcome == AuditTrail.Denied));
        Assert.Multiple(() =>
        {
            Assert.That(otherMunicipality.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(socialjour.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the socialjour never had it");
            Assert.That(police.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(operatorCall.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(Recipient(view), Is.EqualTo("home-municipality:0138"));
            Assert.That(Timeline(view), Does.Not.Contain("handed-over"));
            Assert.That(refusals, Is.EqualTo(2), "each refused staff attempt is on the audit trail");
        });
    }

    [Test]
    public async Task A_municipality_the_case_has_moved_away_from_is_told_where_it_is()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        using (var first = await HandOverAsync(App, TestTokens.MunicipalityStaff("0138"), caseId))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        using var again = await HandOverAsync(App, TestTokens.MunicipalityStaff("0138"), caseId);
        var problem = await CaseRequests.JsonAsync(again);
        Assert.Multiple(() =>
        {
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(problem.GetProperty("currentRecipient").GetProperty("serviceId").GetString(), Is.EqualTo("stockholm"));
        });
    }
}
